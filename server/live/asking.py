"""A new question, written inside the batch that commits it: the author's figures, the
limits, the insert and the journal entry."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import joinedload

from server.errors import Conflict, Invalid, RateLimited
from server.identity.principal import Principal
from server.live import reading
from server.live.journal import SessionWrite
from server.live.questions import OPEN
from server.live.views import shown_to
from server.models import Mission, Phase, Question, QuestionStatus, Statement
from server.settings import Settings

ASKING_PHASES = frozenset({Phase.SCREENING, Phase.QA})
_QUESTION_COLUMNS = [column.key for column in Question.__table__.columns if column.key != "id"]


@dataclass(frozen=True)
class WaitingAsk:
    """An ask taken by the room, waiting for its batch's commit; answered through `answer`."""

    principal: Principal
    client_id: str
    text: str
    to: int | None
    answer: asyncio.Future[dict[str, Any]]


class NewQuestions:
    """Writes new questions; keeps the missions it has read (they never change)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._missions: dict[int, reading.MissionInfo] = {}

    async def write(self, write: SessionWrite, request: WaitingAsk) -> dict[str, Any]:
        """Two statements for a new question, on the transaction's connection: the author's
        figures (an earlier question with this `client_id`, the limits), and the insert. The
        session row and the journal are written once for the whole batch, at commit."""
        session, country_session = write.session, write.country_session
        connection = await session.connection()  # the batch flushes at commit only
        principal = request.principal
        existing_id, existing_session, recent, open_count = await _figures(
            connection, write, request
        )
        if existing_id is not None:  # a retry: the same question, nothing new
            if existing_session != country_session.id:
                raise Conflict("This client_id was used for another session's question.")
            [existing] = await reading.load_questions(session, [existing_id])
            return shown_to(reading.question_view(existing, country_session.country), principal)
        if country_session.phase not in ASKING_PHASES:
            raise Conflict(
                "Questions can be asked once the screening has started, until the session closes.",
                code="questions_closed",
            )
        self._check_limits(recent, open_count)
        addressee = await _addressee(write, request.to)
        assert principal.mission_id is not None, "checked before queueing"
        mission = await self._mission(session, principal.mission_id)
        country_session.questions_asked += 1
        question = Question(
            country_session_id=country_session.id,
            number=country_session.questions_asked,
            author_id=principal.person_id,
            mission_id=principal.mission_id,
            to_statement_id=request.to,
            client_id=request.client_id,
            text=request.text,
            original_text=request.text,
            status=QuestionStatus.PENDING,
            round=0,
            asked_at=write.now,
        )
        row = {column: getattr(question, column) for column in _QUESTION_COLUMNS}
        new_id = await connection.scalar(insert(Question).values(row).returning(Question.id))
        assert new_id is not None, "an insert returns its id"
        question.id = new_id
        view = reading.question_view(
            question,
            country_session.country,
            parts=reading.ViewParts(
                author=(principal.person_id, principal.name),
                mission=mission,
                to=addressee,
                answers=[],
            ),
        )
        write.record("question", {"questions": [view]})
        return shown_to(view, principal)

    async def _mission(self, session: AsyncSession, mission_id: int) -> reading.MissionInfo:
        # Missions never change once created: keeping them spares a query per question.
        if mission_id not in self._missions:
            mission = await session.get(Mission, mission_id)
            assert mission is not None, "a delegate's mission exists"
            self._missions[mission_id] = reading.MissionInfo(
                mission.id, mission.country, mission.name
            )
        return self._missions[mission_id]

    def _check_limits(self, recent: int, open_count: int) -> None:
        if recent >= self._settings.questions_per_minute:
            raise RateLimited(
                f"You can ask {self._settings.questions_per_minute} questions a minute."
                " Please wait a moment."
            )
        if open_count >= self._settings.open_questions_per_delegate:
            raise RateLimited(
                f"You have {open_count} questions waiting; the limit is"
                f" {self._settings.open_questions_per_delegate}. Withdraw one or wait until it"
                " is answered.",
                code="too_many_open",
            )


async def _figures(
    connection: AsyncConnection, write: SessionWrite, request: WaitingAsk
) -> tuple[int | None, int | None, int, int]:
    """The author's question with this `client_id` (and its session), how many they asked in
    the last minute, and how many of theirs are open."""
    minute_ago = write.now - timedelta(minutes=1)
    mine = Question.client_id == request.client_id
    existing_id, existing_session, recent, open_count = (
        await connection.execute(
            select(
                func.max(Question.id).filter(mine),
                func.max(Question.country_session_id).filter(mine),
                func.count(Question.id).filter(Question.asked_at > minute_ago),
                func.count(Question.id).filter(Question.status.in_(OPEN)),
            ).where(Question.author_id == request.principal.person_id)
        )
    ).one()
    return existing_id, existing_session, recent, open_count


async def _addressee(write: SessionWrite, to: int | None) -> Statement | None:
    """The statement a question is addressed to, on this session's panel; None: the panel."""
    if to is None:
        return None
    addressee = await write.session.scalar(
        select(Statement).where(Statement.id == to).options(joinedload(Statement.organisation))
    )
    if addressee is None or addressee.country_session_id != write.country_session.id:
        raise Invalid("That speaker is not on this session's panel.", code="bad_addressee")
    return addressee
