"""The live room's domain service: every change is committed with its journal entry first,
then published (in version order within this process) and only then acknowledged.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from server.db import Database
from server.errors import (
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    PresessionError,
    RateLimited,
    Timeout,
)
from server.identity.principal import Principal
from server.ids import is_id
from server.live import control, reading
from server.live.change import Change
from server.live.journal import SessionWrite
from server.live.questions import (
    MAX_ANSWER_LENGTH,
    MAX_QUESTION_LENGTH,
    MAX_REASON_LENGTH,
    OPEN,
    Action,
    clean_text,
    next_status,
)
from server.live.queue import Queued, insertion_index, moved
from server.live.views import audience_of, question_for
from server.models import (
    CountrySession,
    Mission,
    Phase,
    Question,
    QuestionStatus,
    Statement,
    WrittenAnswer,
    utcnow,
)
from server.settings import Settings
from server.stage import service as stage

log = logging.getLogger(__name__)
_CLIENT_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
ASKING_PHASES = frozenset({Phase.SCREENING, Phase.QA})


Publish = Callable[[Change], Awaitable[None]]  # the broadcaster's `session_changed`
_MAX_ASK_BATCH = 64
_QUESTION_COLUMNS = [column.key for column in Question.__table__.columns if column.key != "id"]


@dataclass(frozen=True)
class _Ask:
    principal: Principal
    client_id: str
    text: str
    to: int | None
    answer: asyncio.Future[dict[str, Any]]


class LiveRoom:
    def __init__(self, database: Database, settings: Settings, publish: Publish) -> None:
        self._database = database
        self._settings = settings
        self._publish = publish
        self._locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._asks: defaultdict[int, list[_Ask]] = defaultdict(list)
        self._ask_workers: dict[int, asyncio.Task[None]] = {}
        self._missions: dict[int, reading.MissionInfo] = {}
        # Whether this server has a live stage (docs/stage.md); its state is in every snapshot.
        self.stage_available = False
        # Called after a change the stage follows is committed (the stage's round, at once).
        self.on_stage_change: Callable[[], None] = lambda: None
        self.asks_timed_out = 0  # since start, for /healthz

    async def close(self) -> None:
        """Let the questions already asked be committed and answered."""
        await asyncio.gather(*self._ask_workers.values(), return_exceptions=True)

    # -- reading ---------------------------------------------------------------------------

    async def snapshot(self, principal: Principal, session_id: int) -> dict[str, Any]:
        async with self._database.read() as session:
            country_session = await _session_for(session, principal, session_id)
            return await self._snapshot(session, country_session, principal)

    async def _snapshot(
        self, session: AsyncSession, country_session: CountrySession, principal: Principal
    ) -> dict[str, Any]:
        result = await reading.snapshot(session, country_session, principal)
        result["stage"] = await stage.stage_view(
            session, country_session, available=self.stage_available
        )
        return result

    async def sync(self, principal: Principal, session_id: int, since: int) -> dict[str, Any]:
        """The updates after `since`, or a fresh snapshot when they are too many or gone."""
        async with self._database.read() as session:
            country_session = await _session_for(session, principal, session_id)
            behind = country_session.version - since
            if 0 <= behind <= self._settings.sync_max_updates:
                updates = await reading.updates_since(session, country_session, since, principal)
                if updates is not None:
                    result: dict[str, Any] = {
                        "version": country_session.version,
                        "updates": updates,
                        "server_time": utcnow().isoformat(),
                    }
                    if principal.is_organiser:
                        result["presence"] = await reading.presence(session, session_id)
                    return result
            return {"snapshot": await self._snapshot(session, country_session, principal)}

    # -- questions -------------------------------------------------------------------------

    async def ask(
        self, principal: Principal, session_id: int, client_id: object, text: object, to: object
    ) -> dict[str, Any]:
        """Commit a delegate's question (or find the one this `client_id` already made).

        Questions asked in one session while a write is under way are committed together,
        in one transaction, each with its own version: under a flood of questions the
        database does one commit for many, and the answer still comes only after the commit.
        """
        if not isinstance(client_id, str) or not _CLIENT_ID.fullmatch(client_id):
            raise Invalid(
                "'client_id' must be 1–64 letters, digits or . _ : -", code="bad_client_id"
            )
        cleaned = clean_text(text, field="text", max_length=MAX_QUESTION_LENGTH)
        if to is not None and not is_id(to):
            # A whole number names no speaker of the panel; anything else is no id at all.
            raise Invalid(
                "'to' is a statement id, or null for the whole panel.",
                code="bad_addressee" if type(to) is int else "invalid",
            )
        assert to is None or isinstance(to, int), "is_id checked it"
        if principal.mission_id is None:
            raise Forbidden("Only delegates of a mission ask questions.")
        _check_member(principal, session_id)
        request = _Ask(
            principal, client_id, cleaned, to, asyncio.get_running_loop().create_future()
        )
        request.answer.add_done_callback(_retrieved)  # answered after its asker gave up
        self._asks[session_id].append(request)
        if session_id not in self._ask_workers:
            worker = asyncio.create_task(self._commit_asks(session_id))
            self._ask_workers[session_id] = worker
        try:
            # Shielded: an asker that gives up leaves its question to be committed all the
            # same, so that a retry with the same client_id finds it.
            return await asyncio.wait_for(
                asyncio.shield(request.answer), self._settings.ask_timeout_seconds
            )
        except TimeoutError as error:
            self.asks_timed_out += 1
            log.error(
                "live room: an ask in session %d (person %d, client_id %r) was not answered"
                " within %.1f s; answered 'timeout' (%d so far)",
                session_id,
                principal.person_id,
                client_id,
                self._settings.ask_timeout_seconds,
                self.asks_timed_out,
            )
            raise Timeout(
                "Your question could not be confirmed in time. Send it again (the same"
                " client_id): if it was recorded, you get it back; it is never recorded twice.",
            ) from error

    async def _commit_asks(self, session_id: int) -> None:
        """Commit the waiting questions of one session, a batch per transaction, until none wait.

        Every ask taken is answered, whatever happens: each has its own savepoint in the batch
        (one ask's failure never fails another's); a batch whose transaction fails is tried
        again one ask at a time; and if this worker itself is stopped (even cancelled), the
        asks it holds or that still wait are answered with an error rather than left waiting.
        """
        waiting = self._asks[session_id]
        batch: list[_Ask] = []
        try:
            while waiting:
                batch = waiting[:_MAX_ASK_BATCH]
                del waiting[: len(batch)]
                try:
                    await self._commit_batch(session_id, batch)
                except Exception:
                    log.exception(
                        "live room: a batch of %d questions failed; trying them one by one",
                        len(batch),
                    )
                    for request in batch:
                        await self._commit_alone(session_id, request)
                batch = []
        finally:
            del self._ask_workers[session_id]
            left = [*batch, *waiting]
            waiting.clear()
            if any(not request.answer.done() for request in left):
                log.error(
                    "live room: the question worker of session %d stopped with %d asks"
                    " unanswered; they are answered with an error",
                    session_id,
                    len(left),
                )
            for request in left:
                _settle(request, _unavailable())

    async def _commit_batch(self, session_id: int, batch: list[_Ask]) -> None:
        outcomes: list[tuple[_Ask, dict[str, Any] | PresessionError]] = []
        async with self._change(session_id) as write:
            for request in batch:
                outcomes.append((request, await self._ask_in_savepoint(write, request)))
        for request, outcome in outcomes:
            _settle(request, outcome)

    async def _commit_alone(self, session_id: int, request: _Ask) -> None:
        try:
            await self._commit_batch(session_id, [request])
        except PresessionError as error:
            _settle(request, error)
        except Exception:
            log.exception("live room: a question could not be committed")
            _settle(request, _unavailable())

    async def _ask_in_savepoint(
        self, write: SessionWrite, request: _Ask
    ) -> dict[str, Any] | PresessionError:
        """One ask inside the batch, in a savepoint of its own: its failure undoes only it."""
        changes = len(write.changes)
        try:
            async with write.session.begin_nested():
                return await self._ask_one(write, request)
        except PresessionError as error:  # raised before it wrote anything
            return error
        except Exception:
            log.exception("live room: a question failed; the others of its batch go on")
            # The savepoint is undone; so is what this ask did to the session's counters.
            del write.changes[changes:]
            await write.session.refresh(write.country_session)
            return _unavailable()

    async def _ask_one(self, write: SessionWrite, request: _Ask) -> dict[str, Any]:
        """Two statements for a new question, on the transaction's connection: the author's
        figures (an earlier question with this `client_id`, the limits), and the insert. The
        session row and the journal are written once for the whole batch, at commit."""
        session, country_session = write.session, write.country_session
        connection = await session.connection()  # no autoflush between a batch's questions
        principal = request.principal
        minute_ago = write.now - timedelta(minutes=1)
        mine = Question.client_id == request.client_id
        existing_id, existing_session, recent, open_count = (
            await connection.execute(
                select(
                    func.max(Question.id).filter(mine),
                    func.max(Question.country_session_id).filter(mine),
                    func.count(Question.id).filter(Question.asked_at > minute_ago),
                    func.count(Question.id).filter(Question.status.in_(OPEN)),
                ).where(Question.author_id == principal.person_id)
            )
        ).one()
        if existing_id is not None:  # a retry: the same question, nothing new
            if existing_session != country_session.id:
                raise Conflict("This client_id was used for another session's question.")
            [existing] = await reading.load_questions(session, [existing_id])
            return _shown(reading.question_view(existing, country_session.country), principal)
        if country_session.phase not in ASKING_PHASES:
            raise Conflict(
                "Questions can be asked once the screening has started, until the session closes.",
                code="questions_closed",
            )
        self._check_limits(recent, open_count)
        addressee = None
        if request.to is not None:
            addressee = await session.scalar(
                select(Statement)
                .where(Statement.id == request.to)
                .options(joinedload(Statement.organisation))
            )
            if addressee is None or addressee.country_session_id != country_session.id:
                raise Invalid("That speaker is not on this session's panel.", code="bad_addressee")
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
        question.id = await connection.scalar(insert(Question).values(row).returning(Question.id))
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
        return _shown(view, principal)

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

    async def withdraw(self, principal: Principal, question_id: object) -> dict[str, Any]:
        session_id = await self._session_of(question_id)
        async with self._change(session_id) as write:
            question = await write.question(question_id)
            if question.author_id != principal.person_id:
                raise Forbidden("Only the delegate who asked a question can withdraw it.")
            question.status = next_status(question.status, Action.WITHDRAW)
            question.withdrawn_at = write.now
            await write.leave_queue(question)
            [view] = await write.questions([question])
            return _shown(view, principal)

    async def moderate(
        self, principal: Principal, question_id: object, action: object, data: dict[str, Any]
    ) -> dict[str, Any]:
        try:
            chosen = Action(action) if isinstance(action, str) else None
        except ValueError:
            chosen = None
        if chosen is None or chosen is Action.WITHDRAW:
            allowed = "approve, reject, on_air, answered, move, edit"
            raise Invalid(f"'action' must be one of: {allowed}.", code="bad_action")
        session_id = await self._session_of(question_id)
        _check_member(principal, session_id)
        async with self._change(session_id) as write:
            question = await write.question(question_id)
            changed = await self._apply(write, question, chosen, data)
            views = await write.questions(changed)
            if chosen in (Action.ON_AIR, Action.ANSWERED):
                await stage.floor_follows_queue(write, available=self.stage_available)
            shown = _shown(views[0], principal)
        if chosen in (Action.ON_AIR, Action.ANSWERED):
            self.on_stage_change()
        return shown

    async def _apply(
        self, write: SessionWrite, question: Question, action: Action, data: dict[str, Any]
    ) -> list[Question]:
        status = next_status(question.status, action)
        now = write.now
        changed = [question]
        if action is Action.APPROVE:
            question.round = await write.mission_round(question)
            queue = await write.queue()
            index = insertion_index(
                [Queued(item.id, item.round) for item in queue],
                question.round,
                fifo=self._settings.queue_order == "fifo",
            )
            queue.insert(index, question)
            write.renumber(queue)
            question.approved_at = now
        elif action is Action.REJECT:
            question.rejection_reason = clean_text(
                data.get("reason"), field="reason", max_length=MAX_REASON_LENGTH
            )
            question.rejected_at = now
            await write.leave_queue(question)
        elif action is Action.ON_AIR:
            if write.country_session.phase is not Phase.QA:
                raise Conflict("Questions go on air in the Q&A phase.", code="not_in_qa")
            current = await write.session.scalar(
                select(Question).where(
                    Question.country_session_id == question.country_session_id,
                    Question.status == QuestionStatus.ON_AIR,
                )
            )
            if current is not None:
                current.status = next_status(current.status, Action.ANSWERED)
                current.answered_at = now
                changed.append(current)
            await write.leave_queue(question)
            question.on_air_at = now
        elif action is Action.ANSWERED:
            question.answered_at = now
        elif action is Action.MOVE:
            position = data.get("position")
            if not isinstance(position, int) or isinstance(position, bool) or position < 1:
                raise Invalid("'position' is the place in the queue, from 1.")
            queue = await write.queue()
            order = moved([item.id for item in queue], question.id, position)
            by_id = {item.id: item for item in queue}
            write.renumber([by_id[item] for item in order])
        elif action is Action.EDIT:
            question.text = clean_text(
                data.get("text"), field="text", max_length=MAX_QUESTION_LENGTH
            )
            question.edited_at = now
        question.status = status
        return changed

    async def answer(
        self, principal: Principal, question_id: object, text: object
    ) -> dict[str, Any]:
        """A speaker's written answer to a question on air or answered (replaces their last)."""
        cleaned = clean_text(text, field="text", max_length=MAX_ANSWER_LENGTH)
        session_id = await self._session_of(question_id)
        _check_member(principal, session_id)
        async with self._change(session_id) as write:
            question = await write.question(question_id)
            if question.status not in (QuestionStatus.ON_AIR, QuestionStatus.ANSWERED):
                raise Conflict("Written answers are for questions on air or answered.")
            organisation_id = principal.organisation_id
            on_panel = await write.session.scalar(
                select(Statement.id).where(
                    Statement.country_session_id == session_id,
                    Statement.organisation_id == organisation_id,
                )
            )
            addressed = question.to_statement_id is None or (
                question.to_statement is not None
                and question.to_statement.organisation_id == organisation_id
            )
            if on_panel is None or not addressed or organisation_id is None:
                raise Forbidden("This question is addressed to another speaker.")
            answer = await write.session.scalar(
                select(WrittenAnswer).where(
                    WrittenAnswer.question_id == question.id,
                    WrittenAnswer.organisation_id == organisation_id,
                )
            )
            if answer is None:
                answer = WrittenAnswer(
                    question_id=question.id,
                    organisation_id=organisation_id,
                    speaker_id=principal.person_id,
                    text=cleaned,
                )
                write.session.add(answer)
            else:
                answer.text, answer.speaker_id, answer.updated_at = (
                    cleaned,
                    principal.person_id,
                    write.now,
                )
            [view] = await write.questions([question])
            return _shown(view, principal)

    # -- session control -------------------------------------------------------------------

    async def set_phase(
        self, principal: Principal, session_id: int, phase: object
    ) -> dict[str, Any]:
        target = control.parse_phase(phase)
        _check_member(principal, session_id)
        async with self._change(session_id) as write:
            result = await control.change_phase(write, target)
            if target is Phase.CLOSED and write.country_session.stage_live:
                stage.close_stage(write.country_session)
                await stage.record_stage(write, available=self.stage_available)
        if target is Phase.CLOSED:
            self.on_stage_change()
        return result

    async def screening(
        self, principal: Principal, session_id: int, action: object, data: dict[str, Any]
    ) -> dict[str, Any]:
        """Play, pause, seek or go to a statement: every player in the room follows."""
        chosen, position = control.parse_screening(action, data)
        _check_member(principal, session_id)
        async with self._change(session_id) as write:
            return await control.control_screening(write, chosen, position, data.get("item"))

    # -- plumbing --------------------------------------------------------------------------

    async def _session_of(self, question_id: object) -> int:
        if not is_id(question_id):
            raise Invalid("'question' is a question id.")
        async with self._database.read() as session:
            session_id = await session.scalar(
                select(Question.country_session_id).where(Question.id == question_id)
            )
        if session_id is None:
            raise NotFound("No such question.")
        return session_id

    def write(self, session_id: int) -> AbstractAsyncContextManager[SessionWrite]:
        """A journalled write on one session, for the other parts of the live room (the stage)."""
        return self._change(session_id)

    @asynccontextmanager
    async def _change(self, session_id: int) -> AsyncIterator[SessionWrite]:
        """A write on one session; its journal entry is published after commit, in order."""
        async with self._locks[session_id]:
            try:
                async with self._database.write() as session:
                    country_session = await session.scalar(
                        select(CountrySession)
                        .where(CountrySession.id == session_id)
                        .with_for_update()
                    )
                    if country_session is None:
                        raise NotFound("No such session.")
                    write = SessionWrite(session, country_session, utcnow())
                    yield write
            except IntegrityError as error:
                raise Conflict("That change collided with another; try again.") from error
            try:
                for change in write.changes:
                    await self._publish(change)
            except Exception:
                # Committed all the same, so it is answered as done; screens that missed it
                # see the gap in versions at the next update and `sync`.
                log.exception(
                    "live room: a committed change of session %d was not sent", session_id
                )


async def _session_for(
    session: AsyncSession, principal: Principal, session_id: int
) -> CountrySession:
    _check_member(principal, session_id)
    country_session = await session.get(CountrySession, session_id)
    if country_session is None:
        raise NotFound("No such session.")
    return country_session


def _settle(request: _Ask, outcome: dict[str, Any] | PresessionError) -> None:
    if request.answer.done():  # cancelled by the event loop's shutdown
        return
    if isinstance(outcome, PresessionError):
        request.answer.set_exception(outcome)
    else:
        request.answer.set_result(outcome)


def _retrieved(answer: asyncio.Future[dict[str, Any]]) -> None:
    if not answer.cancelled():
        answer.exception()


def _unavailable() -> PresessionError:
    return PresessionError(
        "Your question could not be recorded. Please send it again.", code="internal"
    )


def _check_member(principal: Principal, session_id: int) -> None:
    if not principal.may_enter(session_id):
        raise Forbidden("You are not a participant of this session.")


def _shown(view: dict[str, Any], principal: Principal) -> dict[str, Any]:
    shown = question_for(view, audience_of(principal.role), principal.person_id)
    return shown if shown is not None else {"id": view["id"]}
