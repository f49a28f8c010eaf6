"""The production stack as real processes on 127.0.0.1, for the scale-out tests and benchmark.

PostgreSQL (a throwaway database), Redis, `presession serve` processes, `presession worker`
processes and Debian's nginx with deploy/nginx.conf filled in. Every process is started with
asyncio and stopped (or killed) by the one who started it.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import secrets
import shutil
import signal
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from tests.processes import free_port, wait_until_up

ROOT = Path(__file__).resolve().parent.parent
NGINX_TEMPLATE = ROOT / "deploy" / "nginx.conf"
REDIS_URL = os.environ.get("PRESESSION_TEST_REDIS", "redis://127.0.0.1:6379/0")
SECRET = "stack-secret-" + "s" * 40
TUS = {"Tus-Resumable": "1.0.0"}


def nginx_config(listen: str, servers: list[str], media_root: Path, max_upload: int) -> str:
    """deploy/nginx.conf with its placeholders filled in."""
    lines = "\n        ".join(f"server {server};" for server in servers)
    return (
        NGINX_TEMPLATE.read_text()
        .replace("@LISTEN@", listen)
        .replace("@WEB_SERVERS@", lines)
        .replace("@MEDIA_ROOT@", str(media_root))
        .replace("@MAX_UPLOAD_BYTES@", str(max_upload))
    )


@dataclass
class Stack:
    """Processes sharing one database, one Redis channel and one data folder."""

    data_dir: Path
    database_url: str
    redis_url: str | None
    public_url: str = ""
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: list[asyncio.subprocess.Process] = field(default_factory=list)
    channel: str = field(default_factory=lambda: f"presession-stack-{secrets.token_hex(4)}")

    def env(self, **overrides: str) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith("PRESESSION_")}
        env.update(
            {
                "PRESESSION_DATA_DIR": str(self.data_dir),
                "PRESESSION_DATABASE_URL": self.database_url,
                "PRESESSION_SECRET": SECRET,
                "PRESESSION_STAGE": "off",
                "PRESESSION_REDIS_CHANNEL": self.channel,
                "PRESESSION_TRANSCODE_PRESET": "ultrafast",
            }
        )
        if self.redis_url:
            env["PRESESSION_REDIS_URL"] = self.redis_url
        if self.public_url:
            env["PRESESSION_PUBLIC_URL"] = self.public_url
        env.update(self.extra_env)
        env.update(overrides)
        return env

    async def presession(self, *args: str, json_output: bool = True, **env: str) -> dict[str, Any]:
        """Run a `presession` command to its end; its JSON output."""
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "server.cli", *args,
            env=self.env(**env), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
        assert process.returncode == 0, stderr.decode()
        result: dict[str, Any] = json.loads(stdout) if json_output else {}
        return result

    async def start(self, *args: str, log: Path, **env: str) -> asyncio.subprocess.Process:
        # Its own process group: a test may stop or kill it together with its ffmpeg.
        with log.open("ab") as output:
            process = await asyncio.create_subprocess_exec(
                *args, env=self.env(**env), stdout=output, stderr=output, start_new_session=True
            )
        self.processes.append(process)
        return process

    async def serve(self, port: int, **env: str) -> asyncio.subprocess.Process:
        process = await self.start(
            sys.executable, "-m", "server.cli", "serve", "--port", str(port),
            log=self.data_dir.parent / f"serve-{port}.log", **env,
        )  # fmt: skip
        await wait_until_up(f"http://127.0.0.1:{port}/healthz", process, seconds=60)
        return process

    async def worker(self, name: str, **env: str) -> asyncio.subprocess.Process:
        return await self.start(
            sys.executable, "-m", "server.cli", "worker",
            log=self.data_dir.parent / f"worker-{name}.log", **env,
        )  # fmt: skip

    async def nginx(
        self, servers: list[int], *, port: int | None = None, max_upload: int = 4 * 1024**3
    ) -> int:
        """Debian's nginx with our config (on `port` or a free one) in front of these ports."""
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        port = port or free_port()
        prefix = self.data_dir.parent / "nginx"
        prefix.mkdir(exist_ok=True)
        config = prefix / "nginx.conf"
        config.write_text(
            nginx_config(
                f"127.0.0.1:{port}",
                [f"127.0.0.1:{server}" for server in servers],
                self.data_dir / "media",
                max_upload,
            )
        )
        process = await self.start(
            nginx, "-p", str(prefix), "-c", str(config), "-e", "stderr", "-g", "daemon off;",
            log=prefix / "error.log",
        )  # fmt: skip
        await wait_until_up(f"http://127.0.0.1:{port}/healthz", process, seconds=60)
        return port

    def log_of(self, name: str) -> str:
        path = self.data_dir.parent / name
        return path.read_text(errors="replace") if path.exists() else ""

    async def stop(self) -> None:
        for process in reversed(self.processes):
            if process.returncode is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                await asyncio.wait_for(process.wait(), 15)
            except TimeoutError:
                os.killpg(process.pid, signal.SIGKILL)
                await process.wait()


@asynccontextmanager
async def stack(database_url: str, redis_url: str | None) -> AsyncIterator[Stack]:
    """A stack in a folder that nginx's unprivileged workers can read, as in production
    (pytest's temporary folders are private to their user); removed afterwards."""
    folder = await asyncio.to_thread(_readable_folder)
    data_dir = folder / "data"
    running = Stack(data_dir, database_url, redis_url)
    try:
        yield running
    except BaseException:
        print(await asyncio.to_thread(_logs, folder))  # shown by pytest with the failure
        raise
    finally:
        await running.stop()
        shutil.rmtree(folder, ignore_errors=True)


def _readable_folder() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="presession-stack-"))
    folder.chmod(0o755)
    (folder / "data").mkdir()
    return folder


def _logs(folder: Path) -> str:
    return "\n".join(
        f"--- {log.name}\n{log.read_text(errors='replace')[-6000:]}"
        for log in sorted(folder.rglob("*.log"))
    )


async def sign_in(http: aiohttp.ClientSession, base: str, invitation: str) -> str:
    async with http.post(f"{base}/api/login", json={"invitation": invitation}) as response:
        assert response.status == 200, await response.text()
        token: str = (await response.json())["token"]
        return token


async def upload(
    http: aiohttp.ClientSession,
    base: str,
    token: str,
    statement_id: int,
    path: Path,
    chunk: int = 1024 * 1024,
) -> str:
    """A tus upload with plain HTTP requests: create, then PATCH chunk after chunk."""
    headers = {**TUS, "Authorization": f"Bearer {token}"}
    encoded = base64.b64encode(str(statement_id).encode()).decode()
    data = await asyncio.to_thread(path.read_bytes)
    size = len(data)
    async with http.post(
        f"{base}/api/uploads/",
        headers={**headers, "Upload-Length": str(size), "Upload-Metadata": f"statement {encoded}"},
    ) as created:
        assert created.status == 201, await created.text()
        location = f"{base}{created.headers['Location']}"
    for offset in range(0, size, chunk):
        async with http.patch(
            location,
            data=data[offset : offset + chunk],
            headers={
                **headers,
                "Upload-Offset": str(offset),
                "Content-Type": "application/offset+octet-stream",
            },
        ) as patched:
            assert patched.status == 204, await patched.text()
    return location


async def statement_state(
    http: aiohttp.ClientSession, base: str, token: str, statement_id: int
) -> dict[str, Any]:
    async with http.get(
        f"{base}/api/statements/{statement_id}", headers={"Authorization": f"Bearer {token}"}
    ) as response:
        assert response.status == 200, await response.text()
        statement: dict[str, Any] = await response.json()
        return statement


async def wait_until_ready(
    http: aiohttp.ClientSession,
    base: str,
    token: str,
    statement_id: int,
    seconds: float = 90,
) -> dict[str, Any]:
    async with asyncio.timeout(seconds):
        while True:
            statement = await statement_state(http, base, token, statement_id)
            if statement["state"] in ("ready", "failed"):
                return statement
            await asyncio.sleep(0.2)
