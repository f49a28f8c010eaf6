"""A question's whole course through the live room, on SQLite and on PostgreSQL: the locking
read of a question with its author, mission, addressee and answers (outer joins, locked as the
question's row only) is valid on both engines."""

from __future__ import annotations

from typing import Any

from server.db import Database
from server.demo import create_demo
from server.identity.principal import Principal
from server.identity.service import Identity
from server.live import commands
from server.live.change import Change
from server.live.room import LiveRoom
from server.settings import Settings


async def test_a_question_asked_moderated_and_answered(
    database: Database, settings: Settings
) -> None:
    identity = Identity.from_settings(database, settings)
    summary = await create_demo(database, identity, settings)
    session_id = summary["sessions"][0]["id"]

    async def signed_in(invitation: str) -> Principal:
        principal = await identity.principal((await identity.sign_in(invitation)).bearer)
        assert principal is not None
        return principal

    def of_session(entries: list[dict[str, Any]]) -> dict[str, Any]:
        return next(entry for entry in entries if entry["session"] == session_id)

    moderator = await signed_in(summary["invitations"]["moderator"])
    delegate = await signed_in(of_session(summary["invitations"]["delegates"])["token"])
    speaker_entry = of_session(summary["invitations"]["speakers"])
    speaker = await signed_in(speaker_entry["token"])
    published: list[Change] = []

    async def publish(change: Change) -> None:
        published.append(change)

    room = LiveRoom(database, settings, publish)
    await room.set_phase(moderator, commands.parse_phase({"session": session_id, "phase": "qa"}))
    ask = {"session": session_id, "client_id": "engines", "text": "On both engines?"}
    asked = await room.ask(delegate, commands.parse_ask(ask))
    for action in ("approve", "on_air"):
        moved = {"question": asked["id"], "action": action}
        await room.moderate(moderator, commands.parse_moderate(moved))
    answer = {"question": asked["id"], "text": "Yes, in writing."}
    answered = await room.answer(speaker, commands.parse_answer(answer))
    done = {"question": asked["id"], "action": "answered"}
    final = await room.moderate(moderator, commands.parse_moderate(done))

    assert answered["status"] == "on_air"
    assert [item["text"] for item in answered["answers"]] == ["Yes, in writing."]
    assert final["status"] == "answered"
    assert [item["text"] for item in final["answers"]] == ["Yes, in writing."]
    assert [change.kind for change in published][-5:] == ["question"] * 5
    snapshot = await room.snapshot(moderator, session_id)
    [question] = [item for item in snapshot["questions"] if item["id"] == asked["id"]]
    assert question == final
