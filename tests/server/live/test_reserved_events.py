"""Socket.IO's own event names sent by a client change nothing; a connection never outlives
its sign-in, whatever a client sent."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from server.identity.service import Identity
from server.keys import CONNECTIONS, DATABASE, SETTINGS
from server.live.namespace import RESERVED_EVENTS
from server.models import Attendance
from tests.factories import Seed
from tests.live_client import NAMESPACE, LiveClient
from tests.server.live.conftest import Connect


async def open_stays(client: TestClient) -> int:  # type: ignore[type-arg]
    async with client.server.app[DATABASE].read() as session:
        count = await session.scalar(
            select(func.count()).select_from(Attendance).where(Attendance.left_at.is_(None))
        )
    return count or 0


async def sign_out_elsewhere(client: TestClient, token: str) -> None:  # type: ignore[type-arg]
    """Signed out through another server process: the database only, nobody here is told."""
    app = client.server.app
    await Identity.from_settings(app[DATABASE], app[SETTINGS]).sign_out(token)


async def room_of_two(live: Connect, seeded: Seed) -> tuple[LiveClient, LiveClient]:
    moderator, delegate = await live("moderator"), await live("delegate")
    await moderator.ok("join", {"session": seeded.session_id})
    await delegate.ok("join", {"session": seeded.session_id})
    await moderator.wait_for_presence(lambda people: len(people) == 2)
    return moderator, delegate


async def closed(live_client: LiveClient, seconds: float = 5.0) -> None:
    async with asyncio.timeout(seconds):
        while live_client.sio.connected:  # noqa: ASYNC110 (the client has no event for it)
            await asyncio.sleep(0.02)


async def ask(delegate: LiveClient, seeded: Seed, client_id: str) -> dict[str, Any]:
    payload = {"session": seeded.session_id, "client_id": client_id, "text": "After sign-out"}
    return await delegate.call("ask", payload)


@pytest.mark.parametrize("event", sorted(RESERVED_EVENTS))
async def test_a_reserved_name_from_a_client_is_an_unknown_event(
    client: TestClient,  # type: ignore[type-arg]
    live: Connect,
    seeded: Seed,
    event: str,
) -> None:
    moderator, delegate = await room_of_two(live, seeded)
    held = client.server.app[CONNECTIONS].count()
    for payload in ({}, ("environ", {"token": "x"}), "server disconnect"):
        answer = await delegate.call(event, payload)
        assert answer["ok"] is False
        assert answer["error"]["code"] == "unknown_event"
    await delegate.sio.emit(event, {}, namespace=NAMESPACE)  # and without an answer asked
    await moderator.ok("phase", {"session": seeded.session_id, "phase": "screening"})
    await delegate.wait_for(1)  # still in the room, still receiving
    assert delegate.sio.connected
    assert len(moderator.present) == 2
    assert [entry["present"] is None for entry in moderator.presence].count(True) == 0
    assert await open_stays(client) == 2
    assert client.server.app[CONNECTIONS].count() == held
    assert (await ask(delegate, seeded, "still-here"))["ok"] is True


async def test_after_sign_out_a_connection_that_faked_its_disconnect_is_closed(
    client: TestClient,  # type: ignore[type-arg]
    live: Connect,
    seeded: Seed,
) -> None:
    moderator, delegate = await room_of_two(live, seeded)
    await moderator.ok("phase", {"session": seeded.session_id, "phase": "screening"})
    await delegate.sio.emit("disconnect", namespace=NAMESPACE)
    response = await client.post(
        "/api/logout", headers={"Authorization": f"Bearer {delegate.token}"}
    )
    assert response.status == 200
    await closed(delegate)
    await moderator.wait_for_presence(lambda people: len(people) == 1)
    assert await open_stays(client) == 1
    snapshot = (await moderator.ok("join", {"session": seeded.session_id}))["snapshot"]
    assert snapshot["questions"] == []


async def test_a_sign_in_ended_elsewhere_refuses_the_next_ask_and_closes(
    client: TestClient,  # type: ignore[type-arg]
    live: Connect,
    seeded: Seed,
) -> None:
    """Signed out in another server process: this one has not heard, but the ask checks."""
    moderator, delegate = await room_of_two(live, seeded)
    await moderator.ok("phase", {"session": seeded.session_id, "phase": "screening"})
    assert delegate.token is not None
    await sign_out_elsewhere(client, delegate.token)
    answer = await ask(delegate, seeded, "late")
    assert answer["ok"] is False
    assert answer["error"]["code"] == "unauthenticated"
    await closed(delegate)
    snapshot = (await moderator.ok("join", {"session": seeded.session_id}))["snapshot"]
    assert snapshot["questions"] == []


@pytest.mark.parametrize("how", ["sign-out", "sweep"])
async def test_a_sign_in_that_ends_closes_connections_the_register_forgot(
    client: TestClient,  # type: ignore[type-arg]
    live: Connect,
    seeded: Seed,
    how: str,
) -> None:
    app = client.server.app
    moderator, delegate = await room_of_two(live, seeded)
    assert delegate.token is not None
    app[CONNECTIONS].remove(delegate.sio.get_sid(NAMESPACE) or "")
    if how == "sign-out":
        await sign_out_elsewhere(client, delegate.token)
        assert await app[CONNECTIONS].end(delegate.token) == 1
    else:
        await sign_out_elsewhere(client, delegate.token)
        assert await app[CONNECTIONS].sweep() == 1
    await closed(delegate)
    await moderator.wait_for_presence(lambda people: len(people) == 1)
    assert await open_stays(client) == 1  # its stay is closed all the same
