"""Settings: one frozen object built from the environment in one place."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

PREFIX = "PRESESSION_"
MIN_SECRET_LENGTH = 32


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names it."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    secret: str
    host: str = "127.0.0.1"
    port: int = 8080
    database_url: str = ""
    public_url: str = ""
    allowed_origins: tuple[str, ...] = ()
    redis_url: str | None = None
    # The Redis pub/sub channel the server processes of one deployment share.
    redis_channel: str = "presession"
    # Mail: through this SMTP server when set; otherwise kept in DATA_DIR/outbox.
    smtp_url: str | None = None
    mail_from: str = "Presession <no-reply@localhost>"
    production: bool = False
    # A JSON request body larger than this is refused with 413 before it is parsed.
    max_json_bytes: int = 64 * 1024
    max_upload_bytes: int = 4 * 1024**3
    max_statement_seconds: int = 300
    invitation_days: int = 30
    login_days: int = 14
    sqlite_busy_timeout_ms: int = 10_000
    # FULL: a committed question survives a power cut, not only a crash.
    sqlite_synchronous: str = "FULL"
    # The live room: per-delegate limits, queue order, Socket.IO message size, sync window.
    questions_per_minute: int = 5
    open_questions_per_delegate: int = 3
    queue_order: str = "round_robin"
    max_socket_message_bytes: int = 64 * 1024
    sync_max_updates: int = 500
    # How often open live connections are checked against their sign-in (ended elsewhere,
    # expired); a sign-out in the same process closes them at once.
    sign_in_check_seconds: float = 30.0
    # An `ask` not answered by then answers `timeout` (and is counted in /healthz); a retry
    # with the same client_id finds the question if it was committed after all.
    ask_timeout_seconds: float = 10.0
    # Seconds a recording may run past the event's limit before it is refused.
    statement_grace_seconds: int = 5
    loudness_target_lufs: float = -16.0
    # Transcode jobs run at once in the embedded runner (each uses every core it gets);
    # 0 runs none in this process (a separate worker does).
    job_concurrency: int = 1
    job_max_attempts: int = 3
    # How often a running job's lease is renewed; one not renewed for three of these (its
    # runner was killed or cut off) goes back to the queue for another runner.
    job_heartbeat_seconds: float = 10.0
    # `presession worker` lowers its CPU priority (and its ffmpeg's) by this much, so that on
    # a shared machine the server processes answer people first and transcodes take the rest.
    worker_nice: int = 10
    # The CPUs `presession worker` (and its ffmpeg) may use, such as (1,) or (2, 3); empty:
    # all. On one machine, leaving the server processes a core of their own keeps people's
    # requests as quick under a transcode rush as when idle.
    worker_cpus: tuple[int, ...] = ()
    # Media through a proxy in front (deploy/nginx.conf): after the rights check, answer with
    # `X-Accel-Redirect: MEDIA_ACCEL/statements/...` and let the proxy send the file.
    media_accel: str | None = None
    # x264 preset of the ladder: slower presets give smaller files for more CPU.
    transcode_preset: str = "veryfast"
    # Hours an unfinished upload is kept before it expires and its bytes are deleted.
    upload_expiry_hours: int = 24
    # The live stage (docs/stage.md): "auto" starts Debian's Janus here when it is installed
    # (unless `janus_url` names an external one); "off" has no stage.
    stage: str = "off"
    janus_url: str | None = None
    janus_api_secret: str | None = None
    janus_token_secret: str | None = None
    janus_admin_key: str | None = None
    janus_port: int = 8089  # not 8088: a packaged Janus service may hold that one
    janus_rtp_ports: str = "20000-40000"
    # VideoRoom ids are this plus the session id, so deployments can share one Janus.
    stage_room_base: int = 1000
    # WebRTC viewers a stage takes (Janus participants who do not publish); delegates beyond
    # it, who do not hold the floor, watch the overflow: the stage as low-latency HLS.
    stage_webrtc_viewers: int = 200
    turn_urls: tuple[str, ...] = ()
    turn_secret: str | None = None
    # The Q&A recording (docs/stage.md, "Recording"): "auto" records the stage in the Q&A
    # phase, each person as their choice allows, when `janus-pp-rec` is installed; "off" never.
    stage_recording: str = "auto"
    # Where Janus writes its recordings, as Janus and this server both see it (a shared
    # volume for an external Janus); None: DATA_DIR/janus/recordings.
    janus_recordings_dir: Path | None = None
    # The serve process's garbage collector (server/runtime.py): freeze the long-lived heap
    # after start-up and after bursts of connections; the generations' thresholds (None:
    # CPython's own, 700, 10, 10; raising them bought nothing measurable).
    gc_freeze: bool = True
    # With gc_freeze: after each full collection, freeze its survivors too (all of them live),
    # so that the next full collection walks only what is newer.
    gc_freeze_survivors: bool = True
    gc_threshold: tuple[int, int, int] | None = None

    def __post_init__(self) -> None:
        if not self.database_url:
            object.__setattr__(
                self, "database_url", f"sqlite+aiosqlite:///{self.data_dir / 'presession.db'}"
            )
        if not self.public_url:
            object.__setattr__(self, "public_url", f"http://localhost:{self.port}")
        origins = (origin_of(self.public_url), *self.allowed_origins)
        object.__setattr__(self, "allowed_origins", tuple(dict.fromkeys(origins)))
        if self.smtp_url is not None and not self.smtp_url.startswith(
            ("smtp://", "smtps://", "smtp+starttls://")
        ):
            raise SettingsError(
                f"{PREFIX}SMTP_URL must start with smtp://, smtp+starttls:// or smtps://"
            )
        if not self.sign_in_check_seconds > 0:
            raise SettingsError(f"{PREFIX}SIGN_IN_CHECK_SECONDS must be more than 0")
        if not self.ask_timeout_seconds > 0:
            raise SettingsError(f"{PREFIX}ASK_TIMEOUT_SECONDS must be more than 0")
        if self.queue_order not in ("round_robin", "fifo"):
            raise SettingsError(f"{PREFIX}QUEUE_ORDER is 'round_robin' or 'fifo'")
        if self.stage_webrtc_viewers < 0:
            raise SettingsError(f"{PREFIX}STAGE_WEBRTC_VIEWERS is 0 or more")
        if self.stage not in ("auto", "off"):
            raise SettingsError(f"{PREFIX}STAGE is 'auto' or 'off'")
        if self.stage_recording not in ("auto", "off"):
            raise SettingsError(f"{PREFIX}STAGE_RECORDING is 'auto' or 'off'")
        if self.janus_url is not None and not (self.janus_api_secret and self.janus_token_secret):
            raise SettingsError(
                f"{PREFIX}JANUS_URL needs {PREFIX}JANUS_API_SECRET and {PREFIX}JANUS_TOKEN_SECRET"
            )
        if self.turn_urls and not self.turn_secret:
            raise SettingsError(f"{PREFIX}TURN_URLS needs {PREFIX}TURN_SECRET")
        if not self.job_heartbeat_seconds > 0:
            raise SettingsError(f"{PREFIX}JOB_HEARTBEAT_SECONDS must be more than 0")
        if self.media_accel is not None and not self.media_accel.startswith("/"):
            raise SettingsError(f"{PREFIX}MEDIA_ACCEL is a path on the proxy, such as /_media")
        if len(self.secret) < MIN_SECRET_LENGTH:
            raise SettingsError(
                f"{PREFIX}SECRET must be at least {MIN_SECRET_LENGTH} characters long"
            )

    @property
    def secure_cookies(self) -> bool:
        return self.public_url.startswith("https://")

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"

    @property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"

    @property
    def recordings_dir(self) -> Path:
        """Where Janus writes the stage's recordings (one folder per session)."""
        return self.janus_recordings_dir or self.data_dir / "janus" / "recordings"

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read every `PRESESSION_*` variable; a production start without a secret fails."""
        env = os.environ if environ is None else environ
        production = env.get(f"{PREFIX}ENV", "development") == "production"
        data_dir = Path(env.get(f"{PREFIX}DATA_DIR", "data")).resolve()
        secret = env.get(f"{PREFIX}SECRET", "")
        if not secret:
            if production:
                raise SettingsError(f"{PREFIX}SECRET is required when {PREFIX}ENV=production")
            secret = development_secret(data_dir)
        port = _int(env, "PORT", 8080)
        return cls(
            data_dir=data_dir,
            secret=secret,
            host=env.get(f"{PREFIX}HOST", "0.0.0.0" if production else "127.0.0.1"),  # noqa: S104
            port=port,
            database_url=env.get(f"{PREFIX}DATABASE_URL", ""),
            public_url=env.get(f"{PREFIX}PUBLIC_URL", "").rstrip("/"),
            allowed_origins=_origins(env.get(f"{PREFIX}ALLOWED_ORIGINS", "")),
            redis_url=env.get(f"{PREFIX}REDIS_URL") or None,
            redis_channel=env.get(f"{PREFIX}REDIS_CHANNEL", cls.redis_channel),
            smtp_url=env.get(f"{PREFIX}SMTP_URL") or None,
            mail_from=env.get(f"{PREFIX}MAIL_FROM", cls.mail_from),
            production=production,
            max_json_bytes=_int(env, "MAX_JSON_BYTES", cls.max_json_bytes),
            max_upload_bytes=_int(env, "MAX_UPLOAD_BYTES", cls.max_upload_bytes),
            max_statement_seconds=_int(env, "MAX_STATEMENT_SECONDS", cls.max_statement_seconds),
            invitation_days=_int(env, "INVITATION_DAYS", cls.invitation_days),
            login_days=_int(env, "LOGIN_DAYS", cls.login_days),
            sqlite_busy_timeout_ms=_int(env, "SQLITE_BUSY_TIMEOUT_MS", cls.sqlite_busy_timeout_ms),
            sqlite_synchronous=env.get(f"{PREFIX}SQLITE_SYNCHRONOUS", cls.sqlite_synchronous),
            questions_per_minute=_int(env, "QUESTIONS_PER_MINUTE", cls.questions_per_minute),
            open_questions_per_delegate=_int(
                env, "OPEN_QUESTIONS_PER_DELEGATE", cls.open_questions_per_delegate
            ),
            queue_order=env.get(f"{PREFIX}QUEUE_ORDER", cls.queue_order),
            max_socket_message_bytes=_int(
                env, "MAX_SOCKET_MESSAGE_BYTES", cls.max_socket_message_bytes
            ),
            sync_max_updates=_int(env, "SYNC_MAX_UPDATES", cls.sync_max_updates),
            sign_in_check_seconds=_float(env, "SIGN_IN_CHECK_SECONDS", cls.sign_in_check_seconds),
            ask_timeout_seconds=_float(env, "ASK_TIMEOUT_SECONDS", cls.ask_timeout_seconds),
            statement_grace_seconds=_int(
                env, "STATEMENT_GRACE_SECONDS", cls.statement_grace_seconds
            ),
            loudness_target_lufs=_float(env, "LOUDNESS_TARGET_LUFS", cls.loudness_target_lufs),
            job_concurrency=_int(env, "JOB_CONCURRENCY", cls.job_concurrency),
            job_max_attempts=_int(env, "JOB_MAX_ATTEMPTS", cls.job_max_attempts),
            job_heartbeat_seconds=_float(env, "JOB_HEARTBEAT_SECONDS", cls.job_heartbeat_seconds),
            worker_nice=_int(env, "WORKER_NICE", cls.worker_nice),
            worker_cpus=_cpus(env.get(f"{PREFIX}WORKER_CPUS", "")),
            media_accel=(env.get(f"{PREFIX}MEDIA_ACCEL") or "").rstrip("/") or None,
            transcode_preset=env.get(f"{PREFIX}TRANSCODE_PRESET", cls.transcode_preset),
            upload_expiry_hours=_int(env, "UPLOAD_EXPIRY_HOURS", cls.upload_expiry_hours),
            stage=env.get(f"{PREFIX}STAGE", "auto"),
            janus_url=env.get(f"{PREFIX}JANUS_URL") or None,
            janus_api_secret=env.get(f"{PREFIX}JANUS_API_SECRET") or None,
            janus_token_secret=env.get(f"{PREFIX}JANUS_TOKEN_SECRET") or None,
            janus_admin_key=env.get(f"{PREFIX}JANUS_ADMIN_KEY") or None,
            janus_port=_int(env, "JANUS_PORT", cls.janus_port),
            janus_rtp_ports=env.get(f"{PREFIX}JANUS_RTP_PORTS", cls.janus_rtp_ports),
            stage_room_base=_int(env, "STAGE_ROOM_BASE", cls.stage_room_base),
            stage_webrtc_viewers=_int(env, "STAGE_WEBRTC_VIEWERS", cls.stage_webrtc_viewers),
            turn_urls=tuple(
                url.strip() for url in env.get(f"{PREFIX}TURN_URLS", "").split(",") if url.strip()
            ),
            turn_secret=env.get(f"{PREFIX}TURN_SECRET") or None,
            stage_recording=env.get(f"{PREFIX}STAGE_RECORDING", cls.stage_recording),
            janus_recordings_dir=_path(env, "JANUS_RECORDINGS_DIR"),
            gc_freeze=_bool(env, "GC_FREEZE", cls.gc_freeze),
            gc_freeze_survivors=_bool(env, "GC_FREEZE_SURVIVORS", cls.gc_freeze_survivors),
            gc_threshold=_threshold(env, "GC_THRESHOLD", cls.gc_threshold),
        )


def development_secret(data_dir: Path) -> str:
    """A random secret kept in the data directory, so links survive a restart."""
    path = data_dir / "secret.key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secret)
    return secret


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SettingsError(f"not an http(s) URL: {url!r}")
    return f"{parts.scheme}://{parts.netloc}".lower()


def _origins(raw: str) -> tuple[str, ...]:
    if "*" in raw:
        raise SettingsError(f"{PREFIX}ALLOWED_ORIGINS lists origins; '*' is not allowed")
    return tuple(origin_of(item.strip()) for item in raw.split(",") if item.strip())


def _cpus(raw: str) -> tuple[int, ...]:
    """A CPU list as `taskset` writes it: `1`, `0-3`, `0,2-3`."""
    cpus: list[int] = []
    try:
        for part in (item.strip() for item in raw.split(",") if item.strip()):
            first, _, last = part.partition("-")
            cpus.extend(range(int(first), int(last or first) + 1))
    except ValueError as error:
        raise SettingsError(
            f"{PREFIX}WORKER_CPUS is a CPU list such as 1 or 2-3, not {raw!r}"
        ) from error
    return tuple(sorted(set(cpus)))


def _path(env: Mapping[str, str], name: str) -> Path | None:
    raw = env.get(f"{PREFIX}{name}", "").strip()
    return Path(raw).resolve() if raw else None


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(f"{PREFIX}{name}")
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as error:
        raise SettingsError(f"{PREFIX}{name} must be a whole number, not {raw!r}") from error


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(f"{PREFIX}{name}")
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError as error:
        raise SettingsError(f"{PREFIX}{name} must be a number, not {raw!r}") from error


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(f"{PREFIX}{name}", "").strip().lower()
    if raw == "":
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{PREFIX}{name} must be true or false, not {raw!r}")


def _threshold(
    env: Mapping[str, str], name: str, default: tuple[int, int, int] | None
) -> tuple[int, int, int] | None:
    """Three whole numbers, `700,10,10`; `default` for CPython's own."""
    raw = env.get(f"{PREFIX}{name}", "").strip()
    if raw == "":
        return default
    if raw == "default":
        return None
    try:
        first, second, third = (int(part) for part in raw.split(","))
    except ValueError as error:
        raise SettingsError(
            f"{PREFIX}{name} is three whole numbers like 700,10,10 (or 'default'), not {raw!r}"
        ) from error
    if first < 1 or second < 1 or third < 1:
        raise SettingsError(f"{PREFIX}{name}: each threshold must be at least 1")
    return (first, second, third)
