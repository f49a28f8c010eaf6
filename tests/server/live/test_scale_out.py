"""Two server processes share one room through Redis: the database is the truth."""

from __future__ import annotations

import dataclasses
import secrets

import pytest
from aiohttp.test_utils import TestClient

from server.app import create_app
from server.keys import DATABASE, IDENTITY
from server.settings import Settings
from tests.conftest import ClientFactory
from tests.factories import seed
from tests.live_client import LiveClient
from tests.processes import redis_or_skip

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
async def redis_url() -> str:
    return await redis_or_skip(REDIS_URL)


async def test_an_update_crosses_processes(
    aiohttp_client: ClientFactory, settings: Settings, redis_url: str
) -> None:
    shared = dataclasses.replace(
        settings, redis_url=redis_url, redis_channel=f"presession-test-{secrets.token_hex(4)}"
    )
    first: TestClient = await aiohttp_client(create_app(shared))  # type: ignore[type-arg]
    second: TestClient = await aiohttp_client(create_app(shared))  # type: ignore[type-arg]
    seeded = await seed(first.server.app[DATABASE], first.server.app[IDENTITY])

    async def connect(client: TestClient, label: str) -> LiveClient:  # type: ignore[type-arg]
        login = await client.post("/api/login", json={"invitation": seeded.tokens[label]})
        token = (await login.json())["token"]
        return await LiveClient(str(client.server.make_url("/")), token).connect()

    moderator = await connect(first, "moderator")
    delegate = await connect(second, "delegate")
    speaker = await connect(second, "speaker")
    await moderator.ok("join", {"session": seeded.session_id})
    await speaker.ok("join", {"session": seeded.session_id})
    await moderator.ok("phase", {"session": seeded.session_id, "phase": "screening"})
    asked = await delegate.ok(
        "ask", {"session": seeded.session_id, "client_id": "far", "text": "Across processes"}
    )
    update = await moderator.wait_for(2)  # asked on the second process, seen on the first
    assert update["questions"][0]["id"] == asked["question"]["id"]
    await moderator.ok("moderate", {"question": asked["question"]["id"], "action": "approve"})
    assert (await speaker.wait_for(3))["queue"] == [asked["question"]["id"]]
    for live_client in (moderator, delegate, speaker):
        await live_client.close()
