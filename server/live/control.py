"""Session control: the phase of a session and the room's player, inside one journalled write."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from server.errors import Conflict, Invalid
from server.ids import is_id
from server.live import reading
from server.live.journal import SessionWrite
from server.models import Phase, Question, QuestionStatus, Statement

PHASE_ORDER = (Phase.SCHEDULED, Phase.SCREENING, Phase.QA, Phase.CLOSED)


async def change_phase(write: SessionWrite, target: Phase) -> dict[str, Any]:
    """Move the session forward to `target`; closing it ends the question on air."""
    room = write.country_session
    if PHASE_ORDER.index(target) <= PHASE_ORDER.index(room.phase):
        raise Conflict(
            f"The session is in the {room.phase.value} phase; it can only move forward.",
            code="bad_transition",
        )
    room.phase = target
    on_air = None
    if target is Phase.CLOSED:
        on_air = await write.session.scalar(
            select(Question).where(
                Question.country_session_id == room.id, Question.status == QuestionStatus.ON_AIR
            )
        )
    if on_air is not None:
        on_air.status, on_air.answered_at = QuestionStatus.ANSWERED, write.now
        await write.questions([on_air], kind="phase", extra={"phase": target.value})
    else:
        write.record("phase", {"phase": target.value})
    return {"phase": target.value, "version": room.version}


async def control_screening(
    write: SessionWrite, action: str, position: float | None, item: object
) -> dict[str, Any]:
    """Play, pause, seek or go to a statement, as of now: every player in the room follows."""
    room = write.country_session
    if room.phase is Phase.CLOSED:
        raise Conflict("The session is closed.", code="session_closed")
    current = room.screening_position
    if room.screening_playing and room.screening_updated_at is not None:
        current += (write.now - room.screening_updated_at).total_seconds()
    if action == "goto":
        statement = await write.session.get(Statement, item) if is_id(item) else None
        if statement is None or statement.country_session_id != room.id:
            raise Invalid("'item' must be a statement of this session.", code="bad_item")
        room.screening_item, current = statement.id, 0.0
    elif room.screening_item is None:
        raise Conflict("Choose a statement first ('goto').", code="no_item")
    room.screening_position = position if position is not None else current
    if action in ("play", "pause"):
        room.screening_playing = action == "play"
    room.screening_updated_at = write.now
    screening = reading.screening_view(room)
    write.record("screening", {"screening": screening})
    return {"screening": screening, "version": room.version}
