"""`presession serve` as a real process: migrations at start, the home page, health, join links."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import aiohttp

from tests.processes import free_port, wait_until_up
from tests.test_cli import demo_json


async def test_serve_answers_and_join_links_work(tmp_path: Path) -> None:
    summary = demo_json(tmp_path)
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("PRESESSION_")}
    # The stage (its own Janus) has its own process test: tests/server/stage/.
    env.update(
        {
            "PRESESSION_DATA_DIR": str(tmp_path),
            "PRESESSION_PORT": str(port),
            "PRESESSION_STAGE": "off",
        }
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "server.cli", "serve",
        env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_until_up(f"{base}/healthz", process)
        # unsafe=True: the jar keeps cookies for an IP address such as 127.0.0.1.
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            async with http.get(f"{base}/") as home:
                assert home.status == 200
                assert "/static/js/home.js" in await home.text()
            async with http.get(f"{base}/static/js/home.js") as script:
                assert script.status == 200
                assert "javascript" in script.headers["Content-Type"]
            token = summary["invitations"]["speakers"][0]["token"]
            async with http.get(f"{base}/join/{token}", allow_redirects=False) as join:
                assert join.status == 303
                assert join.headers["Location"] == "/speaker"
            async with http.get(f"{base}/api/me") as me:
                assert me.status == 200
                assert (await me.json())["role"] == "speaker"
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), 10)
