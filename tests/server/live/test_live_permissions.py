"""Every live-room event by every role, with real Socket.IO clients against the real server."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
import socketio
from aiohttp.test_utils import TestClient
from sqlalchemy import delete, update

from server.identity.tokens import hash_bearer_token
from server.keys import CONNECTIONS, DATABASE
from server.models import Login, utcnow
from tests.factories import Seed
from tests.live_client import LiveClient
from tests.server.live.conftest import Connect

CALLERS = ("other_delegate", "speaker", "delegate", "moderator", "admin")
_ids = itertools.count(1)


async def test_connect_needs_a_valid_sign_in(client: TestClient, seeded: Seed) -> None:  # type: ignore[type-arg]
    url = str(client.server.make_url("/"))
    for token in (
        None,
        "not-a-bearer-token",
        seeded.tokens["delegate"],
    ):  # an invitation is not a sign-in
        with pytest.raises(socketio.exceptions.ConnectionError):
            await LiveClient(url, token).connect()


async def test_connect_with_the_session_cookie(client: TestClient, seeded: Seed) -> None:  # type: ignore[type-arg]
    login = await client.post("/api/login", json={"invitation": seeded.tokens["delegate"]})
    cookie = login.headers["Set-Cookie"].split(";")[0]
    sio = socketio.AsyncClient(reconnection=False)
    await sio.connect(
        str(client.server.make_url("/")),
        headers={"Cookie": cookie},
        namespaces=["/live"],
        transports=["websocket"],
    )
    answer = await sio.call("join", {"session": seeded.session_id}, namespace="/live", timeout=5)
    assert answer["ok"] is True
    await sio.disconnect()


async def test_foreign_origins_are_refused(client: TestClient, seeded: Seed) -> None:  # type: ignore[type-arg]
    response = await client.get(
        "/socket.io/?EIO=4&transport=polling", headers={"Origin": "https://evil.example"}
    )
    assert response.status == 400


async def test_every_event_by_every_role(live: Connect, seeded: Seed) -> None:
    clients = {caller: await live(caller) for caller in CALLERS}
    moderator, delegate = clients["moderator"], clients["delegate"]
    session = seeded.session_id
    await moderator.ok("phase", {"session": session, "phase": "qa"})

    async def question() -> int:
        asked = await delegate.ok(
            "ask", {"session": session, "client_id": f"q{next(_ids)}", "text": "A question"}
        )
        question_id: int = asked["question"]["id"]
        return question_id

    on_air = await question()
    await moderator.ok("moderate", {"question": on_air, "action": "approve"})
    await moderator.ok("moderate", {"question": on_air, "action": "on_air"})
    to_withdraw, to_edit = await question(), await question()

    def payload(event: str, caller: str) -> dict[str, Any]:
        return {
            "join": {"session": session},
            "sync": {"session": session, "since": 0},
            "ask": {"session": session, "client_id": f"p{next(_ids)}", "text": "Another"},
            "withdraw": {"question": to_withdraw},
            "moderate": {"question": to_edit, "action": "edit", "text": f"Edited by {caller}"},
            "answer": {"question": on_air, "text": "In writing: yes."},
            "screening": {"session": session, "action": "goto", "item": seeded.statement_id},
            "phase": {
                "session": session,
                "phase": {"admin": "qa", "moderator": "closed"}.get(caller, "closed"),
            },
        }[event]

    allowed = {
        "join": {"speaker", "delegate", "moderator", "admin"},
        "sync": {"speaker", "delegate", "moderator", "admin"},
        "ask": {"delegate"},
        "withdraw": {"delegate"},
        "moderate": {"moderator", "admin"},
        "answer": {"speaker"},
        "screening": {"moderator", "admin"},
        "phase": {"moderator"},  # the admin's "qa" is no move forward: refused, but not for role
    }
    for event in ("join", "sync", "ask", "withdraw", "moderate", "answer", "screening", "phase"):
        for caller in CALLERS:
            answer = await clients[caller].call(event, payload(event, caller))
            if caller in allowed[event]:
                assert answer["ok"] is True, (event, caller, answer)
            elif event == "phase" and caller == "admin":
                assert answer["error"]["code"] == "bad_transition", answer
            else:
                assert answer["ok"] is False, (event, caller, answer)
                assert answer["error"]["code"] == "forbidden", (event, caller, answer)


async def test_unknown_events_and_bad_payloads(live: Connect, seeded: Seed) -> None:
    moderator = await live("moderator")
    assert (await moderator.call("explode", {}))["error"]["code"] == "unknown_event"
    assert (await moderator.call("join", "not an object"))["error"]["code"] == "bad_payload"
    assert (await moderator.call("join", {"session": "1"}))["error"]["code"] == "invalid"
    assert (await moderator.call("join", {"session": 9999}))["error"]["code"] == "forbidden"
    assert (await moderator.call("sync", {"session": seeded.session_id, "since": -1}))["error"][
        "code"
    ] == "invalid"
    assert (await moderator.call("moderate", {"question": 9999, "action": "approve"}))["error"][
        "code"
    ] == "not_found"
    assert (await moderator.call("moderate", {"question": 1, "action": "explode"}))["error"][
        "code"
    ] == "bad_action"
    assert (await moderator.call("phase", {"session": seeded.session_id, "phase": "party"}))[
        "error"
    ]["code"] == "bad_phase"


async def _closed(live_client: LiveClient, seconds: float = 5.0) -> bool:
    for _ in range(int(seconds / 0.05)):
        if not live_client.sio.connected:
            return True
        await asyncio.sleep(0.05)
    return False


async def test_signing_out_closes_the_open_connections_of_that_sign_in(
    client: TestClient,  # type: ignore[type-arg]
    seeded: Seed,
    login: Callable[[str], Awaitable[str]],
) -> None:
    url = str(client.server.make_url("/"))
    signing_out, other_browser = (
        await login(seeded.tokens["delegate"]),
        await login(seeded.tokens["delegate"]),
    )
    leaving = await LiveClient(url, signing_out).connect()
    staying = await LiveClient(url, other_browser).connect()
    for live_client in (leaving, staying):
        await live_client.ok("join", {"session": seeded.session_id})
    response = await client.post("/api/logout", headers={"Authorization": f"Bearer {signing_out}"})
    assert response.status == 200
    assert await _closed(leaving)
    # The same delegate's other sign-in (another browser) is untouched.
    await staying.ok("sync", {"session": seeded.session_id, "since": 0})
    with pytest.raises(socketio.exceptions.ConnectionError):
        await LiveClient(url, signing_out).connect()
    await staying.close()


async def test_connections_of_sign_ins_ended_elsewhere_are_closed_at_the_next_check(
    client: TestClient,  # type: ignore[type-arg]
    seeded: Seed,
    login: Callable[[str], Awaitable[str]],
) -> None:
    app = client.server.app
    url = str(client.server.make_url("/"))
    expiring, signed_out_elsewhere, valid = [
        await login(seeded.tokens[who]) for who in ("delegate", "speaker", "moderator")
    ]
    connected = {
        token: await LiveClient(url, token).connect()
        for token in (expiring, signed_out_elsewhere, valid)
    }
    async with app[DATABASE].write() as session:
        await session.execute(
            update(Login)
            .where(Login.token_hash == hash_bearer_token(expiring))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        # As another server process's sign-out does: the row goes, this process is not told.
        await session.execute(
            delete(Login).where(Login.token_hash == hash_bearer_token(signed_out_elsewhere))
        )
    assert await app[CONNECTIONS].sweep() == 2
    assert await _closed(connected[expiring])
    assert await _closed(connected[signed_out_elsewhere])
    assert connected[valid].sio.connected
    assert await app[CONNECTIONS].sweep() == 0
    await connected[valid].close()
