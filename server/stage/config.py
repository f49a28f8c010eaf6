"""Where the stage's Janus is and the secrets our server shares with it, from the settings.

For the Janus that `presession serve` starts itself, every secret is derived from the
server's own secret, so there is nothing more to configure and nothing more to keep secret.
"""

from __future__ import annotations

import hashlib
import hmac
import shutil
from dataclasses import dataclass
from pathlib import Path

from server.settings import Settings, SettingsError
from server.stage import process


@dataclass(frozen=True)
class StageConfig:
    janus_url: str
    api_secret: str
    token_secret: str
    admin_key: str
    room_base: int
    secret: str  # what room secrets, room tokens and participant ids are derived from
    turn_urls: tuple[str, ...]
    turn_secret: str | None
    managed: process.JanusConfig | None  # None: an external Janus
    # Where Janus writes the Q&A recording's pieces; None: the stage is not recorded.
    recordings_dir: Path | None = None
    webrtc_viewers: int = 200
    overflow_dir: Path | None = None  # None: no overflow (no ffmpeg here)


def _derived(secret: str, purpose: str) -> str:
    return hmac.new(secret.encode(), f"janus:{purpose}".encode(), hashlib.sha256).hexdigest()


def stage_config(settings: Settings) -> StageConfig | None:
    """The stage's configuration, or None when this server has no stage."""
    secret = _derived(settings.secret, "rooms")
    common = {
        "room_base": settings.stage_room_base,
        "secret": secret,
        "turn_urls": settings.turn_urls,
        "turn_secret": settings.turn_secret,
        "recordings_dir": settings.recordings_dir if records(settings) else None,
        "webrtc_viewers": settings.stage_webrtc_viewers,
        "overflow_dir": settings.data_dir / "stage" / "overflow"
        if shutil.which("ffmpeg")
        else None,
    }
    if settings.janus_url is not None:
        assert settings.janus_api_secret, "checked by the settings"
        assert settings.janus_token_secret, "checked by the settings"
        return StageConfig(
            janus_url=settings.janus_url.rstrip("/"),
            api_secret=settings.janus_api_secret,
            token_secret=settings.janus_token_secret,
            admin_key=settings.janus_admin_key or "",
            managed=None,
            **common,  # type: ignore[arg-type]
        )
    if settings.stage == "off" or process.installed() is None:
        return None
    managed = process.JanusConfig(
        folder=settings.data_dir / "janus",
        http_port=settings.janus_port,
        api_secret=_derived(settings.secret, "api"),
        token_secret=_derived(settings.secret, "token"),
        admin_key=_derived(settings.secret, "admin"),
        rtp_ports=rtp_ports(settings.janus_rtp_ports),
    )
    return StageConfig(
        janus_url=managed.url,
        api_secret=managed.api_secret,
        token_secret=managed.token_secret,
        admin_key=managed.admin_key,
        managed=managed,
        **common,  # type: ignore[arg-type]
    )


def records(settings: Settings) -> bool:
    """Whether the stage is recorded: asked for, and `janus-pp-rec` here to make files of it."""
    return settings.stage_recording == "auto" and shutil.which(PP_REC) is not None


PP_REC = "janus-pp-rec"


def rtp_ports(raw: str) -> tuple[int, int]:
    low, _, high = raw.partition("-")
    try:
        first, last = int(low), int(high)
    except ValueError as error:
        raise SettingsError(f"PRESESSION_JANUS_RTP_PORTS is FIRST-LAST, not {raw!r}") from error
    if not 1024 <= first < last <= 65535:
        raise SettingsError(f"PRESESSION_JANUS_RTP_PORTS is out of range: {raw!r}")
    return first, last
