"""A server killed with `kill -9` mid-session comes back with every acknowledged question."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import socketio

from tests.live_client import LiveClient
from tests.processes import free_port, wait_until_up
from tests.test_cli import demo_json

pytestmark = pytest.mark.slow


@contextlib.asynccontextmanager
async def server(data_dir: Path, port: int) -> AsyncIterator[asyncio.subprocess.Process]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PRESESSION_")}
    env.update(
        {
            "PRESESSION_DATA_DIR": str(data_dir),
            "PRESESSION_PORT": str(port),
            "PRESESSION_QUESTIONS_PER_MINUTE": "1000",
            "PRESESSION_OPEN_QUESTIONS_PER_DELEGATE": "1000",
            "PRESESSION_STAGE": "off",
        }
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "server.cli", "serve",
        env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        await wait_until_up(f"http://127.0.0.1:{port}/healthz", process)
        yield process
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()


async def bearer(base: str, invitation: str) -> str:
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{base}/api/login", json={"invitation": invitation}) as response,
    ):
        assert response.status == 200
        token: str = (await response.json())["token"]
        return token


async def test_kill_9_loses_no_acknowledged_question(tmp_path: Path) -> None:
    summary = demo_json(tmp_path)
    belgium = summary["sessions"][0]["id"]
    invitations = summary["invitations"]
    delegate_invitations = [d["token"] for d in invitations["delegates"] if d["session"] == belgium]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    acknowledged: list[int] = []

    async with server(tmp_path, port) as process:
        moderator = await LiveClient(base, await bearer(base, invitations["moderator"])).connect()
        askers = [
            await LiveClient(base, await bearer(base, token)).connect()
            for token in delegate_invitations
        ]
        await moderator.ok("phase", {"session": belgium, "phase": "screening"})
        for index, asker in enumerate(askers):
            for round_ in range(2):
                label = f"{index}-{round_}"
                asked = await asker.ok(
                    "ask", {"session": belgium, "client_id": label, "text": f"Question {label}"}
                )
                acknowledged.append(asked["question"]["id"])
        for question_id in acknowledged[:6]:
            await moderator.ok("moderate", {"question": question_id, "action": "approve"})
        await moderator.ok(
            "moderate", {"question": acknowledged[5], "action": "move", "position": 1}
        )
        await moderator.ok("phase", {"session": belgium, "phase": "qa"})
        await moderator.ok("moderate", {"question": acknowledged[0], "action": "on_air"})
        before: dict[str, Any] = (await moderator.ok("join", {"session": belgium}))["snapshot"]

        async def keep_asking(index: int, asker: LiveClient) -> None:
            for number in range(1000):
                try:
                    answer = await asker.call(
                        "ask",
                        {"session": belgium, "client_id": f"late-{index}-{number}", "text": "Late"},
                        seconds=2,
                    )
                except (TimeoutError, socketio.exceptions.SocketIOError):
                    return
                if answer.get("ok"):
                    acknowledged.append(answer["question"]["id"])
                    if len(acknowledged) >= 30:
                        enough.set()

        enough = asyncio.Event()
        flood = [asyncio.create_task(keep_asking(i, a)) for i, a in enumerate(askers)]
        await asyncio.wait_for(enough.wait(), 20)
        process.send_signal(signal.SIGKILL)  # mid-flight: asks are being committed right now
        await process.wait()
        await asyncio.wait_for(asyncio.gather(*flood), 30)
        for live_client in (moderator, *askers):
            with contextlib.suppress(Exception):
                await live_client.close()

    async with server(tmp_path, port):
        moderator = await LiveClient(base, await bearer(base, invitations["moderator"])).connect()
        after = (await moderator.ok("join", {"session": belgium}))["snapshot"]
        await moderator.close()

    stored = {question["id"] for question in after["questions"]}
    assert set(acknowledged) <= stored, set(acknowledged) - stored
    assert after["queue"] == before["queue"]
    assert after["on_air"] == before["on_air"] == acknowledged[0]
    assert after["phase"] == "qa"
    numbers = sorted(question["number"] for question in after["questions"])
    assert numbers == list(range(1, len(numbers) + 1))  # gap-free, in the order asked
