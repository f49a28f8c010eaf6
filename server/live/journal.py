"""The live room's journal: a transaction on one session, the versions it takes, the changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.errors import NotFound
from server.live import reading
from server.live.change import Change
from server.live.questions import PUBLIC
from server.live.views import is_public_update
from server.models import CountrySession, Question, QuestionStatus, SessionUpdate


@dataclass(frozen=True)
class Mark:
    changes: int
    version: int
    public_version: int
    questions_asked: int


class SessionWrite:
    """One live-room transaction on one session: the helpers its changes use, and the journal.

    Each `record` takes the next version and keeps its journal row; the rows are written
    together at the end of the write (`write_journal`), and the changes published after the
    commit (`LiveRoom._change`).
    """

    def __init__(self, session: AsyncSession, country_session: CountrySession, now: datetime):
        self.session = session
        self.country_session = country_session
        self.now = now
        self.changes: list[Change] = []
        self._rows: list[dict[str, Any]] = []

    def mark(self) -> Mark:
        """Where this write stands, to go back to with `undo_to` (a failed ask's savepoint)."""
        room = self.country_session
        return Mark(len(self.changes), room.version, room.public_version, room.questions_asked)

    def undo_to(self, mark: Mark) -> None:
        """Forget the versions and journal rows taken since `mark` (not yet written)."""
        room = self.country_session
        room.version, room.public_version = mark.version, mark.public_version
        room.questions_asked = mark.questions_asked
        del self._rows[mark.changes :], self.changes[mark.changes :]

    async def write_journal(self) -> None:
        """The journal rows of this write, in one statement (before the commit's flush)."""
        if self._rows:
            connection = await self.session.connection()
            await connection.execute(insert(SessionUpdate), self._rows)

    async def question(self, question_id: object) -> Question:
        question = (
            (
                await self.session.scalars(
                    select(Question)
                    .where(Question.id == question_id)
                    .options(*reading.QUESTION_LOADS)
                    # The question's row only: PostgreSQL refuses to lock the outer joins'.
                    .with_for_update(of=Question)
                )
            )
            .unique()
            .one_or_none()
        )
        if question is None or question.country_session_id != self.country_session.id:
            raise NotFound("No such question.")
        return question

    async def queue(self) -> list[Question]:
        return list(
            (
                await self.session.scalars(
                    select(Question)
                    .where(
                        Question.country_session_id == self.country_session.id,
                        Question.status == QuestionStatus.APPROVED,
                    )
                    .order_by(Question.position)
                )
            ).all()
        )

    def renumber(self, queue: list[Question]) -> None:
        for index, item in enumerate(queue, start=1):
            if item.position != index:
                item.position = index

    async def leave_queue(self, question: Question) -> None:
        if question.position is not None:
            queue = [item for item in await self.queue() if item.id != question.id]
            question.position = None
            self.renumber(queue)

    async def mission_round(self, question: Question) -> int:
        count = await self.session.scalar(
            select(func.count(Question.id)).where(
                Question.country_session_id == question.country_session_id,
                Question.mission_id == question.mission_id,
                Question.status.in_(PUBLIC),
                Question.id != question.id,
            )
        )
        return count or 0

    async def questions(
        self,
        changed: list[Question],
        kind: str = "question",
        extra: dict[str, Any] | None = None,
        *,
        queue_changed: bool = True,
    ) -> list[dict[str, Any]]:
        """Journal these questions' new state; their moderator views, in the same order.

        The queue and the question on air go with the update unless the caller knows they did
        not change (a new question is pending: it is in neither).
        """
        await self.session.flush()
        loaded = await reading.load_questions(self.session, [question.id for question in changed])
        sur = self.country_session.country
        views = [reading.question_view(question, sur) for question in loaded]
        payload: dict[str, Any] = {**(extra or {}), "questions": views}
        if queue_changed:
            payload.update(await reading.queue_state(self.session, self.country_session.id))
        self.record(kind, payload)
        return views

    def record(self, kind: str, payload: dict[str, Any]) -> None:
        """Take the next version for this change and journal it (written at commit)."""
        room = self.country_session
        room.version += 1
        public_previous = None
        if is_public_update(kind, payload):
            public_previous, room.public_version = room.public_version, room.version
        self._rows.append(
            {
                "country_session_id": room.id,
                "version": room.version,
                "public_previous": public_previous,
                "kind": kind,
                "payload": payload,
                "created_at": self.now,
            }
        )
        self.changes.append(Change(room.id, room.version, public_previous, kind, payload, self.now))
