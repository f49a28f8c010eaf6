"""The Janus WebRTC Server that `presession serve` starts itself when no external one is set:
its config, written into the data folder, and its process, started and stopped with the app.

Debian's defaults are unsafe for us (a well-known admin secret, every plugin and transport):
the config written here enables the VideoRoom plugin and the HTTP transport on 127.0.0.1
only, with signed-token authentication, an API secret only our server knows, and a
VideoRoom admin key so that only our server creates rooms.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

JANUS_BINARY = "janus"
PLUGINS_FOLDER = Path("/usr/lib/x86_64-linux-gnu/janus/plugins")
TRANSPORTS_FOLDER = Path("/usr/lib/x86_64-linux-gnu/janus/transports")
EVENTS_FOLDER = Path("/usr/lib/x86_64-linux-gnu/janus/events")
LOGGERS_FOLDER = Path("/usr/lib/x86_64-linux-gnu/janus/loggers")
_STOP_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class JanusConfig:
    """What the written config says; the secrets come from the server's own settings."""

    folder: Path
    http_port: int
    api_secret: str
    token_secret: str
    admin_key: str
    rtp_ports: tuple[int, int] = (20000, 40000)
    debug_level: int = 3
    # 127.0.0.1 when our server starts Janus beside it; a private network's address when
    # Janus is a service of its own (`presession janus`, docker-compose).
    http_ip: str = "127.0.0.1"
    # The address browsers reach Janus's media at, when Janus is behind NAT (a container).
    public_ip: str | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/janus"


def installed() -> str | None:
    """The Janus binary's path, or None when the `janus` package is not installed."""
    return shutil.which(JANUS_BINARY)


def write_config(config: JanusConfig) -> Path:
    """Write janus.jcfg and the two configs it loads; returns janus.jcfg's path."""
    folder = config.folder
    (folder / "recordings").mkdir(parents=True, exist_ok=True)
    plugins_folder = _libraries_folder(PLUGINS_FOLDER)
    transports_folder = _libraries_folder(TRANSPORTS_FOLDER)
    unwanted_plugins = _others(plugins_folder, "libjanus_videoroom.so")
    unwanted_transports = _others(transports_folder, "libjanus_http.so")
    nat_mapping = f'\n    nat_1_1_mapping = "{config.public_ip}"' if config.public_ip else ""
    main = f"""general: {{
    configs_folder = "{folder}"
    plugins_folder = "{plugins_folder}"
    transports_folder = "{transports_folder}"
    events_folder = "{_libraries_folder(EVENTS_FOLDER)}"
    loggers_folder = "{_libraries_folder(LOGGERS_FOLDER)}"
    debug_level = {config.debug_level}
    debug_timestamps = true
    api_secret = "{config.api_secret}"
    token_auth = true
    token_auth_secret = "{config.token_secret}"
    admin_secret = "{config.api_secret}"
    session_timeout = 60
    reclaim_session_timeout = 0
    server_name = "presession-stage"
}}
media: {{
    rtp_port_range = "{config.rtp_ports[0]}-{config.rtp_ports[1]}"
}}
nat: {{
    nice_debug = false{nat_mapping}
    ice_ignore_list = "vmnet,docker,veth"
    ignore_mdns = true
}}
plugins: {{
    disable = "{",".join(unwanted_plugins)}"
}}
transports: {{
    disable = "{",".join(unwanted_transports)}"
}}
events: {{
    broadcast = false
    disable = "{",".join(_others(_libraries_folder(EVENTS_FOLDER), ""))}"
}}
loggers: {{
    disable = "{",".join(_others(_libraries_folder(LOGGERS_FOLDER), ""))}"
}}
"""
    http = f"""general: {{
    json = "plain"
    base_path = "/janus"
    http = true
    port = {config.http_port}
    ip = "{config.http_ip}"
    https = false
}}
admin: {{
    admin_http = false
}}
"""
    videoroom = f"""general: {{
    admin_key = "{config.admin_key}"
    lock_rtp_forward = true
    string_ids = false
    rec_dir = "{folder / "recordings"}"
}}
"""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in (
        ("janus.jcfg", main),
        ("janus.transport.http.jcfg", http),
        ("janus.plugin.videoroom.jcfg", videoroom),
    ):
        path = folder / name
        path.write_text(text)
        path.chmod(0o600)  # it holds the secrets
    return folder / "janus.jcfg"


def _libraries_folder(default: Path) -> Path:
    if default.is_dir():
        return default
    for candidate in Path("/usr/lib").glob(f"*/janus/{default.name}"):
        return candidate
    return default


def _others(folder: Path, wanted: str) -> list[str]:
    if not folder.is_dir():
        return []
    return sorted(path.name for path in folder.glob("*.so") if path.name != wanted)


class JanusProcess:
    """Janus in the foreground as a child process, its output in the server's log; started
    again, with backoff, whenever it exits while the server runs."""

    def __init__(self, config: JanusConfig, binary: str) -> None:
        self._config = config
        self._binary = binary
        self._process: asyncio.subprocess.Process | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self._stopping = False
        self.starts = 0

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    async def start(self) -> None:
        path = await asyncio.to_thread(write_config, self._config)
        await self._spawn(path)
        self._supervisor = asyncio.create_task(self._supervise(path), name="janus")

    async def _spawn(self, path: Path) -> None:
        # setpriv: Janus gets SIGTERM when our server dies, even by kill -9, so a crashed
        # server never leaves a Janus holding the port for the next start.
        guard = ["setpriv", "--pdeathsig", "TERM"] if shutil.which("setpriv") else []
        self._process = await asyncio.create_subprocess_exec(
            *guard,
            self._binary,
            "-F",
            str(self._config.folder),
            "-C",
            str(path),
            "-o",  # no colours in the log
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            limit=1 << 20,  # Janus logs whole SDPs on one line at higher debug levels
        )
        self.starts += 1
        log.info("stage: Janus started (pid %s) on %s", self._process.pid, self._config.url)

    async def _supervise(self, path: Path) -> None:
        backoff = 0.5
        while True:
            process = self._process
            assert process is not None, "spawned before supervision"
            started = asyncio.get_running_loop().time()
            await self._forward_log(process)
            code = await process.wait()
            if self._stopping:
                return
            log.warning("stage: Janus exited with %s; starting it again", code)
            if asyncio.get_running_loop().time() - started > 30:
                backoff = 0.5  # it had been running well
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 10.0)
            try:
                await self._spawn(path)
            except OSError:
                log.exception("stage: Janus could not be started again")
                return

    async def stop(self) -> None:
        self._stopping = True
        process = self._process
        if process is not None and process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), _STOP_TIMEOUT_S)
            except TimeoutError:
                process.kill()
                await process.wait()
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor

    async def _forward_log(self, process: asyncio.subprocess.Process) -> None:
        assert process.stdout is not None, "started with a pipe"
        while True:
            try:
                line = await process.stdout.readline()
            except ValueError:  # a line past the limit: skip it, keep reading
                continue
            if not line:
                return
            text = line.decode(errors="replace").rstrip()
            if "[ERR]" in text or "[FATAL]" in text:
                log.warning("janus: %s", text)
            else:
                log.debug("janus: %s", text)
