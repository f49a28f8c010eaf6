"""TURN for delegates behind strict firewalls: the credentials in a stage pass are accepted by
a real coturn configured with the same secret (TURN REST scheme), and nothing else is."""

from __future__ import annotations

import asyncio
import dataclasses
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from server.settings import Settings
from tests.factories import Seed
from tests.live_client import LiveClient
from tests.processes import free_port

TURN_SECRET = "turn-" + "t" * 40
pytestmark = pytest.mark.skipif(
    shutil.which("turnserver") is None or shutil.which("turnutils_uclient") is None,
    reason="coturn is not installed (apt-get install coturn): TURN credentials are not tested",
)


@pytest.fixture
def turn_port() -> int:
    return free_port()


@pytest.fixture
def settings(settings: Settings, turn_port: int) -> Settings:
    return dataclasses.replace(
        settings, turn_urls=(f"turn:127.0.0.1:{turn_port}?transport=udp",), turn_secret=TURN_SECRET
    )


@pytest.fixture
async def coturn(turn_port: int) -> AsyncIterator[int]:
    relay = free_port() // 2 * 2
    server = await asyncio.create_subprocess_exec(
        "turnserver", "-n", "--no-cli", "--no-tls", "--no-dtls", "--log-file=stdout",
        "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1", f"--listening-port={turn_port}",
        "--use-auth-secret", f"--static-auth-secret={TURN_SECRET}", "--realm=presession.test",
        "--allow-loopback-peers", f"--min-port={relay}", f"--max-port={relay + 100}",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    await asyncio.sleep(1.0)  # coturn has no readiness signal; the first allocation retries
    try:
        yield turn_port
    finally:
        server.terminate()
        await server.wait()


async def _allocate(port: int, username: str, password: str) -> int:
    client = await asyncio.create_subprocess_exec(
        "turnutils_uclient", "-u", username, "-w", password, "-p", str(port),
        "-n", "1", "-m", "1", "-e", "127.0.0.1", "-y", "127.0.0.1",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    return await asyncio.wait_for(client.wait(), 20)


async def test_a_pass_carries_turn_credentials_coturn_accepts(
    seeded: Seed, live: Callable[[str], Awaitable[LiveClient]], coturn: int
) -> None:
    moderator = await live("moderator")
    await moderator.ok("phase", {"session": seeded.session_id, "phase": "screening"})
    await moderator.ok("stage", {"session": seeded.session_id, "action": "open"})
    speaker = await live("speaker")
    seat = (await speaker.ok("stage_pass", {"session": seeded.session_id}))["pass"]
    [server] = seat["ice_servers"]
    assert server["urls"] == [f"turn:127.0.0.1:{coturn}?transport=udp"]
    assert await _allocate(coturn, server["username"], server["credential"]) == 0
    assert await _allocate(coturn, server["username"], "not-the-credential") != 0
    expired = "1000:presession-1"  # long past
    assert await _allocate(coturn, expired, server["credential"]) != 0
