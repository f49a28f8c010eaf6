"""The question lifecycle through the live room, seen by a delegate, a speaker and a moderator."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from tests.factories import Seed
from tests.live_client import LiveClient, RoomState
from tests.server.live.conftest import Connect

Delegates = Callable[..., Awaitable[list[str]]]


async def joined(client: LiveClient, session: int) -> RoomState:
    return RoomState((await client.ok("join", {"session": session}))["snapshot"])


async def test_full_lifecycle_on_every_screen(live: Connect, seeded: Seed) -> None:
    session = seeded.session_id
    moderator, speaker, delegate = (
        await live("moderator"),
        await live("speaker"),
        await live("delegate"),
    )
    everyone = [("moderator", moderator), ("speaker", speaker), ("delegate", delegate)]
    screens = {name: await joined(live_client, session) for name, live_client in everyone}
    await moderator.ok("phase", {"session": session, "phase": "screening"})

    text = "  How will the State protect defenders?  "
    asked = await delegate.ok(
        "ask", {"session": session, "client_id": "c-1", "text": text, "to": seeded.statement_id}
    )
    question = asked["question"]
    assert question["status"] == "pending"
    assert question["text"] == "How will the State protect defenders?"
    assert question["to"]["statement"] == seeded.statement_id
    qid = question["id"]

    # Pending: moderators see it with the asker; the author sees it personally; nobody else.
    ask_version = 2
    mod_update = await moderator.wait_for(ask_version)
    assert mod_update["questions"][0]["author"]["name"] == "Delegate of France"
    assert mod_update["questions"][0]["mission"]["country"] == "FR"
    personal = await delegate.wait_for_personal(ask_version)
    assert personal["questions"][0]["status"] == "pending"

    await moderator.ok("moderate", {"question": qid, "action": "approve"})
    for client in (moderator, speaker, delegate):
        update = await client.wait_for(3)
        assert update["queue"] == [qid]
        assert update["questions"][0]["status"] == "approved"
    assert (await moderator.wait_for(3))["previous"] == 2
    assert (await speaker.wait_for(3))["previous"] == 1  # the public never saw version 2
    assert all(u["version"] != ask_version for u in speaker.updates)
    speaker_view = (await speaker.wait_for(3))["questions"][0]
    assert speaker_view["to"]["organisation"]["name"] == "Ligue des droits humains"
    assert "name" not in speaker_view["author"]

    await moderator.ok("phase", {"session": session, "phase": "qa"})
    await moderator.ok("moderate", {"question": qid, "action": "on_air"})
    for client in (moderator, speaker, delegate):
        update = await client.wait_for(5)
        assert update["on_air"] == qid
        assert update["queue"] == []

    answer = await speaker.ok("answer", {"question": qid, "text": "We ask for a protection law."})
    assert answer["question"]["answers"][0]["text"] == "We ask for a protection law."
    await moderator.ok("moderate", {"question": qid, "action": "answered"})
    for client in (moderator, speaker, delegate):
        update = await client.wait_for(7)
        assert update["questions"][0]["status"] == "answered"
        assert (
            update["questions"][0]["answers"][0]["organisation"]["name"]
            == "Ligue des droits humains"
        )
        assert update["on_air"] is None

    # Every screen, advanced update by update with no gap, equals a fresh snapshot.
    for name, client in everyone:
        state = screens[name]
        for update in client.updates:
            assert state.apply(update), (name, update["version"])
        fresh = RoomState((await client.ok("join", {"session": session}))["snapshot"])
        assert state.as_dict() == fresh.as_dict(), name
        assert state.version == fresh.version == 7


async def test_retrying_an_ask_returns_the_same_question(live: Connect, seeded: Seed) -> None:
    moderator, delegate = await live("moderator"), await live("delegate")
    await moderator.ok("phase", {"session": seeded.session_id, "phase": "screening"})
    ask = {"session": seeded.session_id, "client_id": "retry-1", "text": "Once only"}
    first, second = await asyncio.gather(delegate.ok("ask", ask), delegate.ok("ask", ask))
    third = await delegate.ok("ask", {**ask, "text": "Changed on retry"})
    assert first["question"]["id"] == second["question"]["id"] == third["question"]["id"]
    assert third["question"]["text"] == "Once only"
    snapshot = (await moderator.ok("join", {"session": seeded.session_id}))["snapshot"]
    assert [q["text"] for q in snapshot["questions"]] == ["Once only"]
    assert snapshot["version"] == 2  # the phase and one question: retries change nothing


async def test_html_and_bidi_are_stored_as_plain_text(live: Connect, seeded: Seed) -> None:
    moderator, delegate = await live("moderator"), await live("delegate")
    await moderator.ok("phase", {"session": seeded.session_id, "phase": "qa"})
    text = "<img src=x onerror=alert(1)> \u202eterces\u202c <script>x</script>"
    asked = await delegate.ok("ask", {"session": seeded.session_id, "client_id": "h", "text": text})
    assert asked["question"]["text"] == "<img src=x onerror=alert(1)> terces <script>x</script>"


async def test_bad_questions_change_nothing(live: Connect, seeded: Seed) -> None:
    moderator, delegate = await live("moderator"), await live("delegate")
    session = seeded.session_id
    closed = await delegate.call(
        "ask", {"session": session, "client_id": "early", "text": "Too early"}
    )
    assert closed["error"]["code"] == "questions_closed"
    await moderator.ok("phase", {"session": session, "phase": "screening"})
    cases = [
        ({"client_id": "a", "text": ""}, "empty_text"),
        ({"client_id": "a", "text": "\u202e\u202c  "}, "empty_text"),
        ({"client_id": "a", "text": "x" * 1001}, "text_too_long"),
        ({"client_id": "", "text": "Hello"}, "bad_client_id"),
        ({"client_id": "a b", "text": "Hello"}, "bad_client_id"),
        ({"client_id": "a", "text": "Hello", "to": 9999}, "bad_addressee"),
        ({"client_id": "a", "text": "Hello", "to": "panel"}, "invalid"),
        ({"client_id": "a", "text": ["list"]}, "invalid"),
    ]
    for payload, code in cases:
        answer = await delegate.call("ask", {"session": session, **payload})
        assert answer["ok"] is False, payload
        assert answer["error"]["code"] == code, (payload, answer)
    snapshot = (await moderator.ok("join", {"session": session}))["snapshot"]
    assert snapshot["questions"] == []
    assert snapshot["version"] == 1


async def test_fifty_concurrent_askers(live: Connect, seeded: Seed, delegates: Delegates) -> None:
    countries = ["AR", "AT", "AU", "BD", "BG", "BO", "BR", "BW", "CA", "CL", "CN", "CO", "CR",
                 "CU", "CY", "CZ", "DE", "DZ", "EC", "EG", "ES", "ET", "FI", "FJ", "GB", "GH",
                 "GR", "GT", "HU", "ID", "IE", "IN", "IQ", "IS", "IT", "JM", "JP", "KE", "KR",
                 "LK", "LU", "MA", "MT", "MX", "MY", "NG", "NL", "NO", "NZ", "PE"]  # fmt: skip
    tokens = await delegates(*countries)
    moderator = await live("moderator")
    await moderator.ok("phase", {"session": seeded.session_id, "phase": "screening"})
    askers = await asyncio.gather(*(live(token) for token in tokens))
    answers = await asyncio.gather(
        *(
            asker.ok("ask", {"session": seeded.session_id, "client_id": "x", "text": f"From {c}"})
            for asker, c in zip(askers, countries, strict=True)
        )
    )
    numbers = sorted(answer["question"]["number"] for answer in answers)
    assert numbers == list(range(1, 51))
    snapshot = (await moderator.ok("join", {"session": seeded.session_id}))["snapshot"]
    assert snapshot["version"] == 51
    assert len(snapshot["questions"]) == 50


async def test_round_robin_queue(live: Connect, seeded: Seed, delegates: Delegates) -> None:
    brazil, japan = await delegates("BR", "JP")
    moderator, france = await live("moderator"), await live("delegate")
    br, jp = await live(brazil), await live(japan)
    session = seeded.session_id
    await moderator.ok("phase", {"session": session, "phase": "screening"})
    labels = {}
    for asker, label in [
        (france, "FR1"),
        (france, "FR2"),
        (france, "FR3"),
        (br, "BR1"),
        (jp, "JP1"),
        (br, "BR2"),
    ]:
        asked = await asker.ok("ask", {"session": session, "client_id": label, "text": label})
        labels[asked["question"]["id"]] = label
    for question_id in labels:  # approved in the order asked
        await moderator.ok("moderate", {"question": question_id, "action": "approve"})
    snapshot = (await moderator.ok("join", {"session": session}))["snapshot"]
    assert [labels[q] for q in snapshot["queue"]] == ["FR1", "BR1", "JP1", "FR2", "BR2", "FR3"]
    # The moderator can still move any question: JP1 to the front.
    jp1 = next(q for q, label in labels.items() if label == "JP1")
    await moderator.ok("moderate", {"question": jp1, "action": "move", "position": 1})
    snapshot = (await moderator.ok("join", {"session": session}))["snapshot"]
    assert [labels[q] for q in snapshot["queue"]] == ["JP1", "FR1", "BR1", "FR2", "BR2", "FR3"]
    assert snapshot["state_under_review"]["country"] == "BE"


async def test_the_state_under_review_is_marked(
    live: Connect, seeded: Seed, delegates: Delegates
) -> None:
    [belgium] = await delegates("BE")
    moderator, sur = await live("moderator"), await live(belgium)
    await moderator.ok("phase", {"session": seeded.session_id, "phase": "screening"})
    asked = await sur.ok(
        "ask", {"session": seeded.session_id, "client_id": "sur", "text": "A reply"}
    )
    assert asked["question"]["mission"]["state_under_review"] is True


async def test_rate_limits(live: Connect, seeded: Seed) -> None:
    moderator, delegate = await live("moderator"), await live("delegate")
    session = seeded.session_id
    await moderator.ok("phase", {"session": session, "phase": "screening"})
    codes = []
    for index in range(5):
        answer = await delegate.call(
            "ask", {"session": session, "client_id": f"r{index}", "text": f"Q{index}"}
        )
        codes.append("ok" if answer["ok"] else answer["error"]["code"])
    assert codes == ["ok", "ok", "ok", "too_many_open", "too_many_open"]  # three open at once
    snapshot = (await moderator.ok("join", {"session": session}))["snapshot"]
    for question in snapshot["questions"]:  # answering them frees the delegate's slots
        await moderator.ok(
            "moderate", {"question": question["id"], "action": "reject", "reason": "Duplicate"}
        )
    codes = []
    for index in range(5, 12):
        answer = await delegate.call(
            "ask", {"session": session, "client_id": f"r{index}", "text": f"Q{index}"}
        )
        codes.append("ok" if answer["ok"] else answer["error"]["code"])
        if answer["ok"]:
            await delegate.ok("withdraw", {"question": answer["question"]["id"]})
    # Five a minute: three asked before, two more now; a flood is refused without a write.
    assert codes == [
        "ok",
        "ok",
        "rate_limited",
        "rate_limited",
        "rate_limited",
        "rate_limited",
        "rate_limited",
    ]
    other = await live("speaker")
    assert (await other.ok("join", {"session": session}))["snapshot"]["version"] >= 1


async def test_rejection_reason_reaches_only_the_author(
    live: Connect, seeded: Seed, delegates: Delegates
) -> None:
    [brazil] = await delegates("BR")
    moderator, author, other = await live("moderator"), await live("delegate"), await live(brazil)
    session = seeded.session_id
    for client in (author, other):
        await client.ok("join", {"session": session})
    await moderator.ok("phase", {"session": session, "phase": "screening"})
    asked = await author.ok("ask", {"session": session, "client_id": "rej", "text": "Off topic"})
    await moderator.ok("moderate", {"question": asked["question"]["id"], "action": "approve"})
    await moderator.ok(
        "moderate",
        {"question": asked["question"]["id"], "action": "reject", "reason": "Not about the UPR"},
    )
    assert (await other.wait_for(4))["questions"] == [
        {"id": asked["question"]["id"], "removed": True}
    ]
    await author.wait_for(4)
    await asyncio.sleep(0.1)
    mine = [u for u in author.updates if u.get("personal") and u["version"] == 4]
    assert mine[0]["questions"][0]["rejection_reason"] == "Not about the UPR"
    assert all("Not about the UPR" not in str(u) for u in other.updates)


async def test_edit_keeps_the_original(live: Connect, seeded: Seed) -> None:
    moderator, delegate = await live("moderator"), await live("delegate")
    await moderator.ok("phase", {"session": seeded.session_id, "phase": "screening"})
    asked = await delegate.ok(
        "ask", {"session": seeded.session_id, "client_id": "e", "text": "Typo quesiton"}
    )
    edited = await moderator.ok(
        "moderate", {"question": asked["question"]["id"], "action": "edit", "text": "Typo question"}
    )
    assert edited["question"]["text"] == "Typo question"
    assert edited["question"]["original_text"] == "Typo quesiton"
    assert edited["question"]["edited"] is True


async def test_reconnect_and_sync_equal_a_snapshot(live: Connect, seeded: Seed) -> None:
    session = seeded.session_id
    moderator, delegate = await live("moderator"), await live("delegate")
    speaker = await live("speaker")
    state = await joined(speaker, session)
    await speaker.close()  # drops off
    await moderator.ok("phase", {"session": session, "phase": "screening"})
    ids = []
    for index in range(3):
        asked = await delegate.ok(
            "ask", {"session": session, "client_id": f"s{index}", "text": f"Q{index}"}
        )
        ids.append(asked["question"]["id"])
    await moderator.ok("moderate", {"question": ids[0], "action": "approve"})
    await moderator.ok("moderate", {"question": ids[1], "action": "approve"})
    await moderator.ok("moderate", {"question": ids[1], "action": "move", "position": 1})
    await moderator.ok("moderate", {"question": ids[2], "action": "reject", "reason": "No"})
    await moderator.ok(
        "screening", {"session": session, "action": "goto", "item": seeded.statement_id}
    )
    speaker = await live("speaker")  # comes back
    synced = await speaker.ok("sync", {"session": session, "since": state.version})
    assert synced["version"] == 9
    assert [u["version"] for u in synced["updates"]] == [1, 5, 6, 7, 9]  # the public ones
    state.apply_sync(synced)
    fresh = RoomState((await speaker.ok("join", {"session": session}))["snapshot"])
    assert state.as_dict() == fresh.as_dict()
    assert state.version == fresh.version
    assert state.queue == [ids[1], ids[0]]


async def test_sync_far_behind_gets_a_snapshot(
    live: Connect, seeded: Seed, client_settings_sync: None
) -> None:
    moderator = await live("moderator")
    await moderator.ok("phase", {"session": seeded.session_id, "phase": "screening"})
    for _ in range(4):
        await moderator.ok(
            "screening",
            {"session": seeded.session_id, "action": "goto", "item": seeded.statement_id},
        )
    synced = await moderator.ok("sync", {"session": seeded.session_id, "since": 0})
    assert "snapshot" in synced  # 5 versions behind, more than the window of 3
    assert synced["snapshot"]["version"] == 5


async def test_screening_state_for_late_joiners(live: Connect, seeded: Seed) -> None:
    moderator, delegate = await live("moderator"), await live("delegate")
    session = seeded.session_id
    assert (await moderator.call("screening", {"session": session, "action": "play"}))["error"][
        "code"
    ] == "no_item"
    await moderator.ok(
        "screening", {"session": session, "action": "goto", "item": seeded.statement_id}
    )
    played = await moderator.ok(
        "screening", {"session": session, "action": "play", "position": 12.5}
    )
    assert played["screening"]["playing"] is True
    await asyncio.sleep(0.2)
    snapshot = (await delegate.ok("join", {"session": session}))["snapshot"]
    screening = snapshot["screening"]
    assert screening == {**played["screening"]}
    from datetime import datetime

    elapsed = (
        datetime.fromisoformat(snapshot["server_time"])
        - datetime.fromisoformat(screening["updated_at"])
    ).total_seconds()
    assert 0.1 < elapsed < 5  # the player starts at position + elapsed
    paused = await moderator.ok("screening", {"session": session, "action": "pause"})
    assert paused["screening"]["playing"] is False
    assert paused["screening"]["position"] > 12.5
    bad = await moderator.call("screening", {"session": session, "action": "seek"})
    assert bad["error"]["code"] == "invalid"


async def test_presence_for_moderators(live: Connect, seeded: Seed) -> None:
    moderator, delegate = await live("moderator"), await live("delegate")
    await moderator.ok("join", {"session": seeded.session_id})
    await delegate.ok("join", {"session": seeded.session_id})
    present = await moderator.wait_for_presence(lambda people: len(people) == 2)
    names = {person["name"]: person for person in present}
    assert names["Delegate of France"]["mission"]["country"] == "FR"
    await delegate.close()
    present = await moderator.wait_for_presence(lambda people: len(people) == 1)
    assert present[0]["role"] == "moderator"
    assert delegate.presence == []  # delegates do not see who is present


async def test_a_flood_is_refused_without_refusing_others(
    live: Connect, seeded: Seed, delegates: Delegates
) -> None:
    [brazil] = await delegates("BR")
    moderator, flooder, other = await live("moderator"), await live("delegate"), await live(brazil)
    session = seeded.session_id
    await moderator.ok("phase", {"session": session, "phase": "screening"})
    flood = [
        flooder.call("ask", {"session": session, "client_id": f"f{n}", "text": f"Flood {n}"})
        for n in range(30)
    ]
    answers = await asyncio.gather(
        *flood, other.call("ask", {"session": session, "client_id": "calm", "text": "One question"})
    )
    *flooded, calm = answers
    assert calm["ok"] is True
    assert sum(answer["ok"] for answer in flooded) == 3  # the open-question limit
    codes = {answer["error"]["code"] for answer in flooded if not answer["ok"]}
    assert codes <= {"rate_limited", "too_many_open"}


async def test_an_oversized_message_is_refused(live: Connect, seeded: Seed) -> None:
    moderator, delegate = await live("moderator"), await live("delegate")
    await moderator.ok("phase", {"session": seeded.session_id, "phase": "screening"})
    huge = {"session": seeded.session_id, "client_id": "big", "text": "x" * 70_000}
    with contextlib.suppress(Exception):
        await delegate.call("ask", huge, seconds=2)
    await asyncio.sleep(0.2)
    assert not delegate.sio.connected  # the server closed the connection
    snapshot = (await moderator.ok("join", {"session": seeded.session_id}))["snapshot"]
    assert snapshot["questions"] == []
