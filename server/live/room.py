"""The live room's domain service: every change is committed with its journal entry first,
then published (in version order within this process) and only then acknowledged.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import Database
from server.errors import (
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    PresessionError,
    Timeout,
)
from server.identity.principal import Principal
from server.ids import is_id
from server.live import commands, control, moderation, reading
from server.live.asking import NewQuestions, WaitingAsk
from server.live.change import Change
from server.live.journal import SessionWrite
from server.live.questions import (
    Action,
    next_status,
)
from server.live.views import shown_to
from server.models import (
    CountrySession,
    Phase,
    Question,
    utcnow,
)
from server.settings import Settings
from server.stage import service as stage

log = logging.getLogger(__name__)


Publish = Callable[[Change], Awaitable[None]]  # the broadcaster's `session_changed`
_MAX_ASK_BATCH = 64
_KNOWN_QUESTIONS = 100_000  # question -> session entries kept (a few MB at most)


class LiveRoom:
    def __init__(self, database: Database, settings: Settings, publish: Publish) -> None:
        self._database = database
        self._settings = settings
        self._publish = publish
        self._locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._asks: defaultdict[int, list[WaitingAsk]] = defaultdict(list)
        self._ask_workers: dict[int, asyncio.Task[None]] = {}
        self._new_questions = NewQuestions(settings)
        # Whether this server has a live stage (docs/stage.md); its state is in every snapshot.
        self.stage_available = False
        # Called after a change the stage follows is committed (the stage's round, at once).
        self.on_stage_change: Callable[[], None] = lambda: None
        self.asks_timed_out = 0  # since start, for /healthz
        # A question never changes session: each moderator action on it spares a read of it.
        self._question_sessions: dict[int, int] = {}

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

    async def ask(self, principal: Principal, command: commands.Ask) -> dict[str, Any]:
        """Commit a delegate's question (or find the one this `client_id` already made).

        Questions asked in one session while a write is under way are committed together,
        in one transaction, each with its own version: under a flood of questions the
        database does one commit for many, and the answer still comes only after the commit.
        """
        session_id, client_id = command.session, command.client_id
        if principal.mission_id is None:
            raise Forbidden("Only delegates of a mission ask questions.")
        _check_member(principal, session_id)
        request = WaitingAsk(
            principal,
            client_id,
            command.text,
            command.to,
            asyncio.get_running_loop().create_future(),
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
        batch: list[WaitingAsk] = []
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

    async def _commit_batch(self, session_id: int, batch: list[WaitingAsk]) -> None:
        outcomes: list[tuple[WaitingAsk, dict[str, Any] | PresessionError]] = []
        async with self._change(session_id) as write:
            for request in batch:
                outcomes.append((request, await self._ask_in_savepoint(write, request)))
        for request, outcome in outcomes:
            if isinstance(outcome, dict):  # its moderation then needs no read of its session
                self._remember(outcome["id"], session_id)
            _settle(request, outcome)

    async def _commit_alone(self, session_id: int, request: WaitingAsk) -> None:
        try:
            await self._commit_batch(session_id, [request])
        except PresessionError as error:
            _settle(request, error)
        except Exception:
            log.exception("live room: a question could not be committed")
            _settle(request, _unavailable())

    async def _ask_in_savepoint(
        self, write: SessionWrite, request: WaitingAsk
    ) -> dict[str, Any] | PresessionError:
        """One ask inside the batch, in a savepoint of its own: its failure undoes only it.

        The savepoint is the connection's, not the ORM session's, and nothing is flushed inside
        it: the question's insert is the only write it holds. The session row and the journal
        rows of the whole batch are written once, at commit (one `UPDATE`, one `INSERT`).
        """
        mark = write.mark()
        connection = await write.session.connection()
        try:
            with write.session.no_autoflush:
                async with connection.begin_nested():
                    return await self._new_questions.write(write, request)
        except PresessionError as error:  # a refusal: the savepoint undid whatever it wrote
            write.undo_to(mark)
            return error
        except Exception:
            log.exception("live room: a question failed; the others of its batch go on")
            # The savepoint undid its insert; this forgets what it did to the counters.
            write.undo_to(mark)
            return _unavailable()

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
            return shown_to(view, principal)

    async def moderate(self, principal: Principal, command: commands.Moderate) -> dict[str, Any]:
        session_id = await self._session_of(command.question)
        _check_member(principal, session_id)
        floor = command.action in (Action.ON_AIR, Action.ANSWERED)  # the stage follows it
        async with self._change(session_id) as write:
            question = await write.question(command.question)
            fifo = self._settings.queue_order == "fifo"
            views = await write.questions(await moderation.apply(write, question, command, fifo))
            if floor:
                await stage.floor_follows_queue(write, available=self.stage_available)
            shown = shown_to(views[0], principal)
        if floor:
            self.on_stage_change()
        return shown

    async def answer(self, principal: Principal, command: commands.Answer) -> dict[str, Any]:
        """A speaker's written answer to a question on air or answered (replaces their last)."""
        session_id = await self._session_of(command.question)
        _check_member(principal, session_id)
        async with self._change(session_id) as write:
            question = await write.question(command.question)
            await moderation.answer_in_writing(write, question, principal, command)
            [view] = await write.questions([question])
            return shown_to(view, principal)

    # -- session control -------------------------------------------------------------------

    async def set_phase(self, principal: Principal, command: commands.Phase) -> dict[str, Any]:
        session_id, target = command.session, command.phase
        _check_member(principal, session_id)
        async with self._change(session_id) as write:
            result = await control.change_phase(write, target)
            if target is Phase.CLOSED and write.country_session.stage_live:
                stage.close_stage(write.country_session)
                await stage.record_stage(write, available=self.stage_available)
        if target is Phase.CLOSED:
            self.on_stage_change()
        return result

    async def screening(self, principal: Principal, command: commands.Screening) -> dict[str, Any]:
        """Play, pause, seek or go to a statement: every player in the room follows."""
        _check_member(principal, command.session)
        async with self._change(command.session) as write:
            return await control.control_screening(
                write, command.action, command.position, command.item
            )

    # -- plumbing --------------------------------------------------------------------------

    async def _session_of(self, question_id: object) -> int:
        """The session of a question (checked again inside the write, under its lock)."""
        if not is_id(question_id):
            raise Invalid("'question' is a question id.")
        assert isinstance(question_id, int), "is_id"
        known = self._question_sessions.get(question_id)
        if known is not None:
            return known
        async with self._database.read() as session:
            session_id = await session.scalar(
                select(Question.country_session_id).where(Question.id == question_id)
            )
        if session_id is None:
            raise NotFound("No such question.")
        self._remember(question_id, session_id)
        return session_id

    def _remember(self, question_id: int, session_id: int) -> None:
        if len(self._question_sessions) >= _KNOWN_QUESTIONS:
            self._question_sessions.clear()
        self._question_sessions[question_id] = session_id

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
                    await write.write_journal()
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


def _settle(request: WaitingAsk, outcome: dict[str, Any] | PresessionError) -> None:
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
