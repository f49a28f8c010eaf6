"""The stage against a real Janus: passes and rights, the floor following the queue, the
browser's path refusing what a person may not do, Janus refusing what bypasses it, the
kick of an unknown publisher, and Janus killed mid-stage."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp.test_utils import TestClient

from server.keys import STAGE
from server.stage import rights
from server.stage.janus import JanusClient, signed_token
from server.stage.views import JANUS_PROCESS, PROXY
from tests.factories import Seed
from tests.live_client import LiveClient

Connect = Callable[[str], Awaitable[LiveClient]]
Client = TestClient  # type: ignore[type-arg]


async def _joined(live: Connect, who: str, session_id: int) -> LiveClient:
    connection = await live(who)
    await connection.ok("join", {"session": session_id})
    return connection


async def _stage_update(
    connection: LiveClient, check: Callable[[dict[str, Any]], bool], seconds: float = 10.0
) -> dict[str, Any]:
    """The first `stage` update (from now back to the start) whose stage passes `check`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while loop.time() < deadline:
        for update in connection.updates:
            if update["kind"] == "stage" and check(update["stage"]):
                return dict(update["stage"])
        await asyncio.sleep(0.05)
    stages = [update["stage"] for update in connection.updates if update["kind"] == "stage"]
    raise AssertionError(f"no such stage update; got {stages}")


async def _live_stage(live: Connect, seeded: Seed, *, phase: str = "qa") -> LiveClient:
    moderator = await _joined(live, "moderator", seeded.session_id)
    await moderator.ok("phase", {"session": seeded.session_id, "phase": "screening"})
    opened = await moderator.ok("stage", {"session": seeded.session_id, "action": "open"})
    assert opened["stage"]["live"] is True
    if phase == "qa":
        await moderator.ok("phase", {"session": seeded.session_id, "phase": "qa"})
    return moderator


async def test_passes_follow_roles_phases_and_the_floor(
    client: Client, seeded: Seed, live: Connect
) -> None:
    session_id = seeded.session_id
    delegate = await _joined(live, "delegate", session_id)
    speaker = await _joined(live, "speaker", session_id)
    closed = await delegate.call("stage_pass", {"session": session_id})
    assert closed["error"]["code"] == "stage_closed"

    moderator = await _live_stage(live, seeded, phase="screening")
    early = await delegate.call("stage_pass", {"session": session_id})
    assert early["error"]["code"] == "not_in_qa"  # delegates watch in the Q&A phase
    speaker_pass = (await speaker.ok("stage_pass", {"session": session_id}))["pass"]
    assert speaker_pass["may_publish"] is True
    assert speaker_pass["janus"] == "/stage/janus"
    assert len(set(speaker_pass["participants"])) == rights.SEATS

    await moderator.ok("phase", {"session": session_id, "phase": "qa"})
    viewer = (await delegate.ok("stage_pass", {"session": session_id}))["pass"]
    assert viewer["may_publish"] is False
    assert viewer["token"] != speaker_pass["token"]  # per person

    outsider = await live("other_delegate")
    refused = await outsider.call("stage_pass", {"session": session_id})
    assert refused["error"]["code"] == "forbidden"
    not_organiser = await delegate.call("stage", {"session": session_id, "action": "close"})
    assert not_organiser["error"]["code"] == "forbidden"

    no_offer = await moderator.call("stage", {"session": session_id, "action": "give_floor"})
    assert no_offer["error"]["code"] == "no_offer"
    asked = await delegate.ok(
        "ask", {"session": session_id, "client_id": "stage-1", "text": "Will you?", "to": None}
    )
    question = asked["question"]["id"]
    await moderator.ok("moderate", {"question": question, "action": "approve"})
    await moderator.ok("moderate", {"question": question, "action": "on_air"})
    offered = await _stage_update(delegate, lambda stage: stage["offer"] is not None)
    assert offered["offer"]["question"] == question
    assert offered["offer"]["mission"]["country"] == "FR"

    given = await moderator.ok(
        "stage", {"session": session_id, "action": "give_floor", "video": True}
    )
    assert given["stage"]["floor"]["mission"]["country"] == "FR"
    assert given["stage"]["floor"]["question"] == question
    speaking = (await delegate.ok("stage_pass", {"session": session_id}))["pass"]
    assert speaking["may_publish"] is True
    assert speaking["video"] is True

    await moderator.ok("moderate", {"question": question, "action": "answered"})
    taken = await _stage_update(
        delegate, lambda stage: stage["floor"] is None and stage["offer"] is None
    )
    assert taken["live"] is True
    again = (await delegate.ok("stage_pass", {"session": session_id}))["pass"]
    assert again["may_publish"] is False

    # Bad input: each a clear error, nothing changed.
    for payload, code in (
        ({"action": "dance"}, "bad_action"),
        ({"action": "give_floor", "mission": True}, "invalid"),
        ({"action": "give_floor", "mission": 2**63}, "invalid"),
        ({"action": "give_floor", "mission": 999_999}, "not_found"),
        ({"action": "give_floor", "mission": 1, "video": "yes"}, "invalid"),
        ({"action": "mute", "person": "7"}, "invalid"),
        ({"action": "mute", "person": 999_999}, "not_found"),
        ({"action": "take_floor"}, "no_floor"),
        ({"action": "open"}, "stage_live"),
    ):
        answer = await moderator.call("stage", {"session": session_id, **payload})
        assert answer["error"]["code"] == code, (payload, answer)
    snapshot = (await moderator.ok("join", {"session": session_id}))["snapshot"]
    assert snapshot["stage"]["floor"] is None
    assert snapshot["stage"]["live"] is True

    await moderator.ok("phase", {"session": session_id, "phase": "closed"})
    ended = await _stage_update(delegate, lambda stage: stage["live"] is False)
    assert ended["on_stage"] == []


async def _janus(
    client: Client, headers: dict[str, str], path: str, message: dict[str, Any]
) -> dict[str, Any]:
    response = await client.post(
        f"/stage/janus{path}", json={"transaction": "t", **message}, headers=headers
    )
    assert response.status == 200, await response.text()
    answer: dict[str, Any] = await response.json()
    return answer


async def _events(client: Client, headers: dict[str, str], session: int) -> list[dict[str, Any]]:
    response = await client.get(f"/stage/janus/{session}?maxev=10", headers=headers)
    assert response.status == 200, await response.text()
    answer = await response.json()
    return answer if isinstance(answer, list) else [answer]


async def _attach(client: Client, headers: dict[str, str]) -> tuple[int, int]:
    created = await _janus(client, headers, "", {"janus": "create"})
    assert created["janus"] == "success", created
    session = created["data"]["id"]
    attached = await _janus(
        client, headers, f"/{session}", {"janus": "attach", "plugin": "janus.plugin.videoroom"}
    )
    assert attached["janus"] == "success", attached
    return session, attached["data"]["id"]


async def test_the_browser_path_checks_every_request(
    client: Client, seeded: Seed, live: Connect, login: Callable[[str], Awaitable[str]]
) -> None:
    session_id = seeded.session_id
    await _live_stage(live, seeded)
    bearer = await login(seeded.tokens["delegate"])
    headers = {"Authorization": f"Bearer {bearer}"}
    delegate = LiveClient(str(client.server.make_url("/")), bearer)
    await delegate.connect()
    seat = (await delegate.ok("stage_pass", {"session": session_id}))["pass"]

    session, handle = await _attach(client, headers)
    other_plugin = await _janus(
        client, headers, f"/{session}", {"janus": "attach", "plugin": "janus.plugin.echotest"}
    )
    assert other_plugin["error"]["code"] == 403
    join = {"request": "join", "ptype": "publisher", "room": seat["room"]}
    for body in (
        {**join, "id": 12345, "token": seat["token"]},  # an id of its own choosing
        {**join, "id": seat["participants"][0], "token": "guessed"},
        {**join, "room": seat["room"] + 1, "id": seat["participants"][0], "token": seat["token"]},
        {"request": "listparticipants", "room": seat["room"]},
        {"request": "create", "room": 77},
        {"request": "kick", "room": seat["room"], "id": 1},
        {"request": "publish"},
        {"request": "join", "ptype": "subscriber", "room": seat["room"]},  # no private_id
    ):
        refused = await _janus(
            client, headers, f"/{session}/{handle}", {"janus": "message", "body": body}
        )
        assert refused["janus"] == "error", body
        assert refused["error"]["code"] == 403, (body, refused)

    good = {
        **join,
        "id": seat["participants"][0],
        "token": seat["token"],
        "display": "I am the King",
    }
    acked = await _janus(
        client, headers, f"/{session}/{handle}", {"janus": "message", "body": good}
    )
    assert acked["janus"] == "ack", acked
    joined = None
    for _ in range(20):  # a long poll may also answer empty, or with a keepalive
        for event in await _events(client, headers, session):
            if event and event.get("plugindata", {}).get("data", {}).get("videoroom") == "joined":
                joined = event
        if joined is not None:
            break
    assert joined is not None, "Janus never said the participant joined"
    assert isinstance(joined["plugindata"]["data"]["private_id"], int)
    # No floor: publishing is refused here, before Janus.
    offer = {"type": "offer", "sdp": "v=0"}
    publish = await _janus(
        client, headers, f"/{session}/{handle}",
        {"janus": "message", "body": {"request": "publish", "audio": True}, "jsep": offer},
    )  # fmt: skip
    assert publish["error"]["code"] == 403
    # The server's name for the participant, whatever the browser said.
    stage = client.server.app[STAGE]
    assert stage.config is not None
    line = JanusClient(stage.config.janus_url, stage.config.api_secret)
    try:
        listed = await line.request({"request": "listparticipants", "room": seat["room"]})
    finally:
        await line.close()
    displays = [participant["display"] for participant in listed["participants"]]
    assert displays == [rights.display_of(seat["person"])]

    # Someone else's Janus session is not theirs to use.
    intruder = {"Authorization": f"Bearer {await login(seeded.tokens['speaker'])}"}
    stolen = await _janus(client, intruder, f"/{session}", {"janus": "keepalive"})
    assert stolen["error"]["code"] == 403
    response = await client.get(f"/stage/janus/{session}", headers=intruder)
    assert (await response.json())["error"]["code"] == 403

    # Signed out: nothing more, and the Janus session is ended.
    await client.post("/api/logout", headers=headers)
    response = await client.post(
        f"/stage/janus/{session}", json={"janus": "keepalive", "transaction": "k"}, headers=headers
    )
    assert response.status == 401
    async with client.session.post(
        f"{stage.config.janus_url}/{session}",
        json={"janus": "keepalive", "transaction": "k", "apisecret": stage.config.api_secret},
    ) as gone:
        assert (await gone.json(content_type=None))["error"]["code"] == 458  # no such session
    await delegate.close()


def _offer(*sections: tuple[str, str]) -> dict[str, str]:
    sdp = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n" + "".join(
        f"m={kind} 9 UDP/TLS/RTP/SAVPF 96\r\na=sendonly\r\na=mid:{mid}\r\n"
        for kind, mid in sections
    )
    return {"type": "offer", "sdp": sdp}


async def _joined_participant(
    client: Client, headers: dict[str, str], seat: dict[str, Any]
) -> tuple[int, int]:
    """A Janus handle joined to the seat's room as its participant, through our path."""
    session, handle = await _attach(client, headers)
    body = {
        "request": "join",
        "ptype": "publisher",
        "room": seat["room"],
        "id": seat["participants"][0],
        "token": seat["token"],
    }
    acked = await _janus(
        client, headers, f"/{session}/{handle}", {"janus": "message", "body": body}
    )
    assert acked["janus"] == "ack", acked
    for _ in range(20):
        for event in await _events(client, headers, session):
            if event and event.get("plugindata", {}).get("data", {}).get("videoroom") == "joined":
                return session, handle
    raise AssertionError("Janus never said the participant joined")


async def test_offers_that_would_pass_a_sound_only_floor_or_a_mute_are_refused(
    client: Client, seeded: Seed, live: Connect, login: Callable[[str], Awaitable[str]]
) -> None:
    """A moderator's mute drops the sound of mid "0", and a sound-only floor takes no camera:
    a browser that offers otherwise is refused before Janus."""
    session_id = seeded.session_id
    moderator = await _live_stage(live, seeded)
    speaker_bearer = await login(seeded.tokens["speaker"])
    speaker = LiveClient(str(client.server.make_url("/")), speaker_bearer)
    await speaker.connect()
    seat = (await speaker.ok("stage_pass", {"session": session_id}))["pass"]
    headers = {"Authorization": f"Bearer {speaker_bearer}"}
    session, handle = await _joined_participant(client, headers, seat)
    for sections in ([("video", "0"), ("audio", "1")], [("audio", "0"), ("audio", "2")]):
        refused = await _janus(
            client, headers, f"/{session}/{handle}",
            {"janus": "message", "body": {"request": "publish"}, "jsep": _offer(*sections)},
        )  # fmt: skip
        assert refused["error"]["code"] == 403, (sections, refused)
        assert "mid 0" in refused["error"]["reason"]

    delegate_bearer = await login(seeded.tokens["delegate"])
    delegate = LiveClient(str(client.server.make_url("/")), delegate_bearer)
    await delegate.connect()
    asked = await delegate.ok(
        "ask", {"session": session_id, "client_id": "sound-1", "text": "Sound only?", "to": None}
    )
    question = asked["question"]["id"]
    await moderator.ok("moderate", {"question": question, "action": "approve"})
    await moderator.ok("moderate", {"question": question, "action": "on_air"})
    await moderator.ok("stage", {"session": session_id, "action": "give_floor", "video": False})
    seat = (await delegate.ok("stage_pass", {"session": session_id}))["pass"]
    assert seat["may_publish"] is True
    assert seat["video"] is False
    headers = {"Authorization": f"Bearer {delegate_bearer}"}
    session, handle = await _joined_participant(client, headers, seat)
    refused = await _janus(
        client, headers, f"/{session}/{handle}",
        {"janus": "message", "body": {"request": "publish"},
         "jsep": _offer(("audio", "0"), ("video", "1"))},
    )  # fmt: skip
    assert refused["error"]["code"] == 403, refused
    assert "sound only" in refused["error"]["reason"]
    await speaker.close()
    await delegate.close()


async def test_a_recording_change_janus_did_not_take_is_sent_again(
    client: Client, seeded: Seed, live: Connect, login: Callable[[str], Awaitable[str]]
) -> None:
    await _live_stage(live, seeded)
    headers = {"Authorization": f"Bearer {await login(seeded.tokens['speaker'])}"}
    speaker = LiveClient(str(client.server.make_url("/")), headers["Authorization"][7:])
    await speaker.connect()
    seat = (await speaker.ok("stage_pass", {"session": seeded.session_id}))["pass"]
    session, handle = await _attach(client, headers)
    feed = seat["participants"][0]
    join = {"request": "join", "ptype": "publisher", "room": seat["room"], "id": feed}
    acked = await _janus(
        client, headers, f"/{session}/{handle}",
        {"janus": "message", "body": {**join, "token": seat["token"]}},
    )  # fmt: skip
    assert acked["janus"] == "ack", acked
    proxy = client.server.app[PROXY]
    held = proxy._sessions[session]
    for _ in range(20):
        await _events(client, headers, session)
        if held.handles.get(handle) is not None:
            break
    assert held.handles[handle] == rights.Handle(rights.PARTICIPANT, seat["room"], feed)

    # Janus takes the change (the phase went to Q&A while this publisher was live, say).
    await proxy.sync_recording(seat["room"], {feed: True})
    assert held.recording[handle] is True
    # Janus no longer has the handle: the stop is not taken, so it stays to be sent again by
    # the next round, rather than being taken as done.
    stage = client.server.app[STAGE]
    assert stage.config is not None
    async with client.session.post(
        f"{stage.config.janus_url}/{session}/{handle}",
        json={"janus": "detach", "transaction": "d", "apisecret": stage.config.api_secret,
              "token": stage.core_token()},
    ) as detached:  # fmt: skip
        assert (await detached.json(content_type=None))["janus"] == "success"
    await proxy.sync_recording(seat["room"], {feed: False})
    assert held.recording[handle] is True
    # Nothing is sent for a publisher already as wanted.
    await proxy.sync_recording(seat["room"], {feed: True})
    assert held.recording[handle] is True
    await speaker.close()


async def test_janus_refuses_what_bypasses_our_server(
    client: Client, seeded: Seed, live: Connect
) -> None:
    """Straight to Janus on 127.0.0.1 (as only a process on the server could): an expired or
    missing token is refused, a wrong room token cannot join, and a participant our server
    did not issue is kicked by the next round."""
    moderator = await _live_stage(live, seeded)
    delegate = await _joined(live, "delegate", seeded.session_id)
    seat = (await delegate.ok("stage_pass", {"session": seeded.session_id}))["pass"]
    stage = client.server.app[STAGE]
    config = stage.config
    assert config is not None
    http = client.session
    url = config.janus_url

    async def send(path: str, message: dict[str, Any], token: str | None) -> dict[str, Any]:
        body = {"transaction": "x", **message, **({"token": token} if token else {})}
        async with http.post(url + path, json=body) as response:
            answer: dict[str, Any] = await response.json(content_type=None)
            return answer

    expired = signed_token(config.token_secret, -5)
    tampered = signed_token("not-the-secret", 60)
    for token in (None, expired, tampered):
        refused = await send("", {"janus": "create"}, token)
        assert refused["error"]["code"] == 403, token
    token = signed_token(config.token_secret, 60)
    session = (await send("", {"janus": "create"}, token))["data"]["id"]
    handle = (
        await send(f"/{session}", {"janus": "attach", "plugin": "janus.plugin.videoroom"}, token)
    )["data"]["id"]

    async def join(body: dict[str, Any]) -> dict[str, Any]:
        await send(f"/{session}/{handle}", {"janus": "message", "body": body}, token)
        for _ in range(20):  # a long poll may also answer empty, or with a keepalive
            # params: a signed token's base64 may hold a "+", which a URL reads as a space
            query = {"maxev": "1", "token": token}
            async with http.get(f"{url}/{session}", params=query) as response:
                answer = await response.json(content_type=None)
            if isinstance(answer, dict) and "plugindata" in answer:
                return answer
        raise AssertionError("Janus sent no answer to the join")

    join_body = {"request": "join", "ptype": "publisher", "room": seat["room"], "display": "p999"}
    wrong = await join({**join_body, "id": 424242, "token": "not-in-the-list"})
    assert wrong["plugindata"]["data"]["error_code"] == 433  # unauthorized: not in the allowed list
    forged = await join({**join_body, "id": 424242, "token": seat["token"]})
    assert forged["plugindata"]["data"]["videoroom"] == "joined"
    line = JanusClient(config.janus_url, config.api_secret)
    try:
        for _ in range(150):  # a round a second; more on a loaded machine
            listed = await line.request({"request": "listparticipants", "room": seat["room"]})
            if not any(item["id"] == 424242 for item in listed["participants"]):
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("a participant the server did not issue stayed in the room")
    finally:
        await line.close()
    await moderator.close()


async def test_janus_killed_mid_stage_comes_back_and_questions_go_on(
    client: Client, seeded: Seed, live: Connect
) -> None:
    app = client.server.app
    moderator = await _live_stage(live, seeded)
    delegate = await _joined(live, "delegate", seeded.session_id)
    await _stage_update(moderator, lambda stage: stage["reachable"] is True and stage["live"])
    janus = app[JANUS_PROCESS]
    assert janus.pid is not None
    before = len(moderator.updates)
    os.kill(janus.pid, signal.SIGKILL)
    down = await _stage_update(moderator, lambda stage: stage["reachable"] is False)
    assert down["live"] is True
    # The written Q&A goes on while the stage reconnects.
    asked = await delegate.ok(
        "ask",
        {"session": seeded.session_id, "client_id": "during", "text": "Still there?", "to": None},
    )
    assert asked["question"]["status"] == "pending"
    # A pass meanwhile is refused plainly, or works once Janus is back (it restarts fast).
    meanwhile = await delegate.call("stage_pass", {"session": seeded.session_id})
    assert meanwhile["ok"] or meanwhile["error"]["code"] == "stage_unreachable"

    loop = asyncio.get_running_loop()
    deadline = loop.time() + 20
    while loop.time() < deadline:
        stages = [u["stage"] for u in moderator.updates[before:] if u["kind"] == "stage"]
        if stages and stages[-1]["reachable"] and any(not stage["reachable"] for stage in stages):
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError("the stage did not come back after Janus was restarted")
    assert janus.starts == 2
    seat = (await delegate.ok("stage_pass", {"session": seeded.session_id}))["pass"]
    stage = app[STAGE]
    assert stage.config is not None
    line = JanusClient(stage.config.janus_url, stage.config.api_secret)
    try:
        exists = await line.request({"request": "exists", "room": seat["room"]})
    finally:
        await line.close()
    assert exists["exists"] is True  # rebuilt from the database
    health = await (await client.get("/healthz")).json()
    assert health["stage"] == {"available": True, "reachable": True}


async def test_mute_and_remove_are_journalled_and_removal_bars_a_pass(
    seeded: Seed, live: Connect
) -> None:
    session_id = seeded.session_id
    moderator = await _live_stage(live, seeded)
    speaker = await _joined(live, "speaker", session_id)
    person = (await speaker.ok("stage_pass", {"session": session_id}))["pass"]["person"]
    muted = await moderator.ok("stage", {"session": session_id, "action": "mute", "person": person})
    assert muted["stage"]["muted"] == [person]
    heard = await _stage_update(speaker, lambda stage: stage["muted"] == [person])
    assert heard["live"] is True
    unmuted = await moderator.ok(
        "stage", {"session": session_id, "action": "mute", "person": person, "muted": False}
    )
    assert unmuted["stage"]["muted"] == []
    removed = await moderator.ok(
        "stage", {"session": session_id, "action": "remove", "person": person}
    )
    assert removed["stage"]["removed"] == [person]
    barred = await speaker.call("stage_pass", {"session": session_id})
    assert barred["error"]["code"] == "removed"
    await moderator.ok(
        "stage", {"session": session_id, "action": "remove", "person": person, "removed": False}
    )
    assert (await speaker.ok("stage_pass", {"session": session_id}))["pass"]["may_publish"]
    # Ending the stage forgets both; going live again starts afresh.
    await moderator.ok("stage", {"session": session_id, "action": "mute", "person": person})
    await moderator.ok("stage", {"session": session_id, "action": "close"})
    reopened = await moderator.ok("stage", {"session": session_id, "action": "open"})
    assert reopened["stage"]["muted"] == []
    assert reopened["stage"]["removed"] == []
