"""One delegate's ask never fails another's, ids from clients never reach the database out of
range, and an ask is always answered: with its question or an error, `timeout` at worst."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import event as sa_event
from sqlalchemy import text

from server.keys import DATABASE, LIVE_ROOM
from server.settings import Settings
from tests.factories import Seed
from tests.live_client import LiveClient
from tests.server.live.conftest import Connect

Delegates = Callable[..., Awaitable[list[str]]]
OUT_OF_RANGE = [2**63, -(2**63) - 1, 10**30, 2**31]
INNOCENT = ["BR", "DE", "ES", "IT"]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, ask_timeout_seconds=2.0)


@contextmanager
def sql_of(client: TestClient) -> Iterator[list[str]]:  # type: ignore[type-arg]
    """The SQL statements the server's database runs meanwhile (each a hop to its thread)."""
    statements: list[str] = []

    def seen(*args: Any) -> None:
        statements.append(args[2])

    engine = client.server.app[DATABASE].engine.sync_engine
    sa_event.listen(engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        sa_event.remove(engine, "before_cursor_execute", seen)


async def queued(client: TestClient, session_id: int, count: int) -> None:  # type: ignore[type-arg]
    """Wait until `count` asks wait for the session's next batch."""
    room = client.server.app[LIVE_ROOM]
    async with asyncio.timeout(5):
        while len(room._asks[session_id]) < count:  # noqa: ASYNC110 (the room has no event for it)
            await asyncio.sleep(0.01)


async def one_batch(
    client: TestClient,  # type: ignore[type-arg]
    session_id: int,
    asks: list[tuple[LiveClient, dict[str, Any]]],
    warm_up: LiveClient,
    *,
    refused_at_once: int = 0,
) -> list[dict[str, Any]]:
    """Send these asks so that they are committed together, in one batch: while a first ask
    waits for the database (held here), they queue behind it."""
    async with client.server.app[DATABASE].write():
        first = asyncio.create_task(
            warm_up.call("ask", {"session": session_id, "client_id": "warm", "text": "Warm-up"})
        )
        await queued(client, session_id, 0)
        await asyncio.sleep(0.1)  # the warm-up is in its own batch, waiting for the database
        calls = [asyncio.create_task(asker.call("ask", payload)) for asker, payload in asks]
        await queued(client, session_id, len(asks) - refused_at_once)
    assert (await first)["ok"] is True
    return list(await asyncio.gather(*calls))


@pytest.mark.parametrize("to", OUT_OF_RANGE)
async def test_an_addressee_out_of_range_fails_only_its_own_ask(
    client: TestClient,  # type: ignore[type-arg]
    live: Connect,
    seeded: Seed,
    delegates: Delegates,
    to: int,
) -> None:
    session = seeded.session_id
    moderator, poisoner = await live("moderator"), await live("delegate")
    innocents = [await live(token) for token in await delegates(*INNOCENT, "PT")]
    *innocents, warm_up = innocents
    await moderator.ok("phase", {"session": session, "phase": "screening"})
    asks = [
        (asker, {"session": session, "client_id": "q", "text": f"From {country}"})
        for asker, country in zip(innocents, INNOCENT, strict=True)
    ]
    poisoned = (poisoner, {"session": session, "client_id": "p", "text": "Poison", "to": to})
    answers = await one_batch(
        client, session, [*asks[:2], poisoned, *asks[2:]], warm_up, refused_at_once=1
    )
    *fine, bad = [*answers[:2], *answers[3:], answers[2]]
    assert all(answer["ok"] for answer in fine), fine
    assert bad["ok"] is False
    assert bad["error"]["code"] == "bad_addressee"
    snapshot = (await moderator.ok("join", {"session": session}))["snapshot"]
    texts = sorted(question["text"] for question in snapshot["questions"])
    assert texts == sorted([*(f"From {country}" for country in INNOCENT), "Warm-up"])


async def test_an_ask_failing_in_the_database_fails_only_itself(
    client: TestClient,  # type: ignore[type-arg]
    live: Connect,
    seeded: Seed,
    delegates: Delegates,
) -> None:
    """Whatever makes one ask fail in the database, the others of its batch are committed."""
    session = seeded.session_id
    async with client.server.app[DATABASE].write() as db:
        # A real failure inside the batch's transaction, of a kind no check foresees.
        await db.execute(
            text(
                "CREATE TRIGGER poison BEFORE INSERT ON questions WHEN NEW.text = 'Poison'"
                " BEGIN SELECT RAISE(ABORT, 'poisoned'); END"
            )
        )
    moderator, poisoner = await live("moderator"), await live("delegate")
    *innocents, warm_up = [await live(token) for token in await delegates(*INNOCENT, "PT")]
    await moderator.ok("join", {"session": session})
    await moderator.ok("phase", {"session": session, "phase": "screening"})
    asks = [
        (asker, {"session": session, "client_id": "q", "text": f"From {country}"})
        for asker, country in zip(innocents, INNOCENT, strict=True)
    ]
    poisoned = (poisoner, {"session": session, "client_id": "p", "text": "Poison"})
    answers = await one_batch(client, session, [asks[0], poisoned, *asks[1:]], warm_up)
    bad = answers.pop(1)
    assert all(answer["ok"] for answer in answers), answers
    assert bad["ok"] is False
    assert bad["error"]["code"] == "internal"
    snapshot = (await moderator.ok("join", {"session": session}))["snapshot"]
    numbers = sorted(question["number"] for question in snapshot["questions"])
    assert numbers == [1, 2, 3, 4, 5]  # gapless: the failed ask took no number
    assert snapshot["version"] == 1 + 1 + 4  # the phase, the warm-up, four questions
    await moderator.wait_for(6)
    versions = [update["version"] for update in moderator.updates]
    assert versions == [1, 2, 3, 4, 5, 6]  # every committed version sent once, in order


async def test_an_ask_not_answered_in_time_answers_timeout_and_a_retry_finds_it(
    client: TestClient,  # type: ignore[type-arg]
    live: Connect,
    seeded: Seed,
) -> None:
    session = seeded.session_id
    moderator, delegate = await live("moderator"), await live("delegate")
    await moderator.ok("phase", {"session": session, "phase": "screening"})
    payload = {"session": session, "client_id": "slow-1", "text": "Slow question"}
    async with client.server.app[DATABASE].write():  # the database is busy for 2.5 s
        asked = asyncio.create_task(delegate.call("ask", payload))
        await asyncio.sleep(2.5)
    answer = await asked
    assert answer == {
        "ok": False,
        "error": {"code": "timeout", "message": answer["error"]["message"]},
    }
    health = await (await client.get("/healthz")).json()
    assert health["live_room"]["asks_timed_out"] == 1
    retried = await delegate.ok("ask", payload)
    again = await delegate.ok("ask", payload)
    assert retried["question"]["id"] == again["question"]["id"]
    snapshot = (await moderator.ok("join", {"session": session}))["snapshot"]
    assert [question["text"] for question in snapshot["questions"]] == ["Slow question"]


@pytest.mark.parametrize("value", [*OUT_OF_RANGE, True, 0])
async def test_ids_out_of_range_are_refused_on_every_event(
    live: Connect, seeded: Seed, value: object
) -> None:
    moderator, delegate, speaker = (
        await live("moderator"),
        await live("delegate"),
        await live("speaker"),
    )
    session = seeded.session_id
    await moderator.ok("phase", {"session": session, "phase": "screening"})
    refused = [
        (delegate, "withdraw", {"question": value}),
        (delegate, "join", {"session": value}),
        (delegate, "sync", {"session": value, "since": 0}),
        (delegate, "ask", {"session": value, "client_id": "a", "text": "Hello"}),
        (speaker, "answer", {"question": value, "text": "Answer"}),
        (moderator, "moderate", {"question": value, "action": "approve"}),
        (moderator, "phase", {"session": value, "phase": "qa"}),
        (moderator, "screening", {"session": value, "action": "play"}),
    ]
    for who, event, payload in refused:
        answer = await who.call(event, payload)
        assert answer["ok"] is False, (event, answer)
        assert answer["error"]["code"] == "invalid", (event, answer)
    goto = await moderator.call("screening", {"session": session, "action": "goto", "item": value})
    assert goto["error"]["code"] == "bad_item"
    snapshot = (await moderator.ok("join", {"session": session}))["snapshot"]
    assert snapshot["version"] == 1
    assert snapshot["screening"]["item"] is None


@pytest.mark.parametrize(
    "invisible", ["\u200b", "\u200d", "\ufeff", "\u2060", "\u200b\u200d \ufeff\n\u2060"]
)
async def test_a_question_of_zero_width_characters_is_empty(
    live: Connect, seeded: Seed, invisible: str
) -> None:
    moderator, delegate = await live("moderator"), await live("delegate")
    await moderator.ok("phase", {"session": seeded.session_id, "phase": "screening"})
    answer = await delegate.call(
        "ask", {"session": seeded.session_id, "client_id": "zw", "text": invisible * 3}
    )
    assert answer["error"]["code"] == "empty_text"


async def test_asks_are_answered_even_when_their_worker_is_stopped(
    client: TestClient,  # type: ignore[type-arg]
    live: Connect,
    seeded: Seed,
    delegates: Delegates,
) -> None:
    """The hanging ask of issue 11, at its mechanism: a session's questions are committed by
    one worker task, which answered its asks only when a batch raised an `Exception`. A
    worker stopped otherwise (cancelled: a `CancelledError` is a `BaseException`) left the
    asks of its batch, and those queued behind it, waiting for ever, and logged nothing."""
    session = seeded.session_id
    room = client.server.app[LIVE_ROOM]
    moderator = await live("moderator")
    askers = [await live(token) for token in await delegates("BR", "DE", "ES")]
    await moderator.ok("phase", {"session": session, "phase": "screening"})
    async with client.server.app[DATABASE].write():  # the batch waits for the database
        calls = [
            asyncio.create_task(
                asker.call("ask", {"session": session, "client_id": "c", "text": f"Q{n}"}, 1.5)
            )
            for n, asker in enumerate(askers)
        ]
        await queued(client, session, 0)
        await asyncio.sleep(0.2)
        room._ask_workers[session].cancel()
    answers = await asyncio.gather(*calls)  # before the fix: TimeoutError, no answer at all
    assert [answer["error"]["code"] for answer in answers] == ["internal"] * 3
    for n, asker in enumerate(askers):  # nothing was recorded; a retry records it once
        retry = await asker.ok("ask", {"session": session, "client_id": "c", "text": f"Q{n}"})
        assert retry["question"]["text"] == f"Q{n}"
    snapshot = (await moderator.ok("join", {"session": session}))["snapshot"]
    assert len(snapshot["questions"]) == 3


async def test_a_batch_writes_its_journal_and_session_row_once(
    client: TestClient,  # type: ignore[type-arg]
    live: Connect,
    seeded: Seed,
    delegates: Delegates,
) -> None:
    """Each statement is a hop to the database's thread: a batch of asks writes the session row
    and its journal rows once, whatever its size; a question costs its savepoint, the author's
    figures and its insert."""
    session = seeded.session_id
    moderator = await live("moderator")
    *innocents, warm_up = [await live(token) for token in await delegates(*INNOCENT, "PT")]
    await moderator.ok("phase", {"session": session, "phase": "screening"})
    with sql_of(client) as statements:
        asks = [
            (asker, {"session": session, "client_id": "q", "text": f"From {country}"})
            for asker, country in zip(innocents, INNOCENT, strict=True)
        ]
        answers = await one_batch(client, session, asks, warm_up)
    assert all(answer["ok"] for answer in answers), answers
    batch = statements[len(statements) - statements[::-1].index("BEGIN IMMEDIATE") :]
    writes = [
        s.split("(")[0].split(" SET")[0].strip()
        for s in batch
        if s.startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == [
        *(["INSERT INTO questions"] * 4),
        "INSERT INTO session_updates",
        "UPDATE country_sessions",
    ]
    per_question = [s for s in batch if s.startswith(("SAVEPOINT", "SELECT max(questions.id)"))]
    assert len(per_question) == 8
    snapshot = (await moderator.ok("join", {"session": session}))["snapshot"]
    assert snapshot["version"] == 1 + 1 + 4  # the phase, the warm-up, four questions


async def test_a_moderator_action_reads_only_what_it_changes(
    client: TestClient,  # type: ignore[type-arg]
    live: Connect,
    seeded: Seed,
    delegates: Delegates,
) -> None:
    """The session of a question is known from its ask (a question never moves): actions on
    it go straight to the session's write; a question this process has not seen is read once."""
    session = seeded.session_id
    moderator = await live("moderator")
    [asker] = [await live(token) for token in await delegates("BR")]
    await moderator.ok("phase", {"session": session, "phase": "qa"})
    ask = {"session": session, "client_id": "m", "text": "Moderated"}
    question = (await asker.ok("ask", ask))["question"]["id"]
    with sql_of(client) as statements:
        for action in ("approve", "on_air", "answered"):
            await moderator.ok("moderate", {"question": question, "action": action})
    lookups = [s for s in statements if s.startswith("SELECT questions.country_session_id")]
    assert lookups == []
    assert statements.count("BEGIN IMMEDIATE") == 3
    with sql_of(client) as statements:
        elsewhere = await moderator.call(
            "moderate", {"question": question + 1000, "action": "approve"}
        )
    lookups = [s for s in statements if s.startswith("SELECT questions.country_session_id")]
    assert len(lookups) == 1
    assert "BEGIN IMMEDIATE" not in statements
    assert elsewhere["error"]["code"] == "not_found"
