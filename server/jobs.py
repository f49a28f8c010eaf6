"""Durable background jobs: rows in the database, run in-process with bounded concurrency.

The rest of the server sees only `JobQueue` (enqueue inside a write, wake after commit) and
registers `JobHandler`s by kind. The embedded `LocalJobRunner` is this process's worker; a
Redis-backed queue (arq) with separate worker processes can replace it behind the same
interface. A job is committed together with the change that asks for it, so it cannot be
lost; one interrupted by a stop or a crash is queued again when the runner starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import Database
from server.models import Job, JobState, utcnow

log = logging.getLogger(__name__)
HEARTBEAT_SECONDS = 10.0


class JobFatal(Exception):
    """Running the job again cannot help: give up at once (the handler says why)."""


class JobHandler(Protocol):
    async def run(self, job: Job) -> None:
        """Do the work; raise `JobFatal` when no retry can help, anything else to retry."""

    async def give_up(self, job: Job, error: BaseException) -> None:
        """Record the failure on the job's subject (the statement), for people to see."""


class JobQueue(Protocol):
    def enqueue(
        self, session: AsyncSession, kind: str, statement_id: int | None, payload: dict[str, Any]
    ) -> Job:
        """Add a job inside the caller's write unit of work."""

    def wake(self) -> None:
        """Look for new work now (call after the enqueuing write commits)."""


class LocalJobRunner:
    """Runs queued jobs in this process, at most `concurrency` at a time."""

    def __init__(
        self,
        database: Database,
        handlers: Mapping[str, JobHandler],
        *,
        concurrency: int = 1,
        max_attempts: int = 3,
        backoff_s: float = 5.0,
        poll_s: float = 30.0,
    ) -> None:
        self._database = database
        self._handlers = handlers
        self._concurrency = max(0, concurrency)  # 0: another process runs the jobs
        self._max_attempts = max(1, max_attempts)
        self._backoff_s = backoff_s
        self._poll_s = poll_s
        self._wake = asyncio.Event()
        self._running: set[asyncio.Task[None]] = set()
        self._claiming = 0
        self._loop_task: asyncio.Task[None] | None = None

    def enqueue(
        self, session: AsyncSession, kind: str, statement_id: int | None, payload: dict[str, Any]
    ) -> Job:
        if kind not in self._handlers:
            raise ValueError(f"no handler for job kind {kind!r}")
        job = Job(kind=kind, statement_id=statement_id, payload=payload, run_after=utcnow())
        session.add(job)
        return job

    def wake(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        """Queue again what a previous run left running, then start taking work."""
        async with self._database.write() as session:
            await session.execute(
                update(Job).where(Job.state == JobState.RUNNING).values(state=JobState.QUEUED)
            )
        self._loop_task = asyncio.create_task(self._loop(), name="job-runner")

    async def stop(self) -> None:
        """Stop taking work; interrupt running jobs (they run again at the next start)."""
        tasks = [*self._running, *([self._loop_task] if self._loop_task else [])]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def idle(self) -> None:
        """Wait until nothing is running or queued, retries included (tests, draining)."""
        while self._running or self._claiming or await self._queued() > 0:
            self.wake()
            await asyncio.sleep(0.05)

    async def _loop(self) -> None:
        while True:
            self._wake.clear()
            try:
                await self._start_due_jobs()
                pause = await self._sleep_for()
            except Exception:
                # The database may be briefly unavailable; the jobs are safe in it.
                log.exception("the job runner could not read the queue; trying again")
                pause = self._backoff_s
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(pause):
                    await self._wake.wait()

    async def _start_due_jobs(self) -> None:
        while len(self._running) < self._concurrency:
            # A claimed job is neither queued nor running until its task exists: counted here
            # so that `idle()` does not take the gap between the two for the end.
            self._claiming += 1
            try:
                job = await self._claim()
                if job is None:
                    return
                task = asyncio.create_task(self._run(job), name=f"job-{job.id}")
                self._running.add(task)
                task.add_done_callback(self._finished)
            finally:
                self._claiming -= 1

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        self._wake.set()

    async def _claim(self) -> Job | None:
        async with self._database.write() as session:
            job = await session.scalar(
                select(Job)
                .where(Job.state == JobState.QUEUED, Job.run_after <= utcnow())
                .order_by(Job.run_after, Job.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
            if job is None:
                return None
            job.state = JobState.RUNNING
            job.attempts += 1
            job.heartbeat_at = utcnow()
            return job

    async def _queued(self) -> int:
        async with self._database.read() as session:
            count = await session.scalar(
                select(func.count(Job.id)).where(Job.state == JobState.QUEUED)
            )
        return int(count or 0)

    async def _sleep_for(self) -> float:
        async with self._database.read() as session:
            upcoming = await session.scalar(
                select(Job.run_after)
                .where(Job.state == JobState.QUEUED)
                .order_by(Job.run_after)
                .limit(1)
            )
        if upcoming is None:
            return self._poll_s
        return min(self._poll_s, max(0.05, (upcoming - utcnow()).total_seconds()))

    async def _run(self, job: Job) -> None:
        handler = self._handlers[job.kind]
        heartbeat = asyncio.create_task(self._heartbeat(job.id))
        try:
            await handler.run(job)
        except asyncio.CancelledError:
            raise  # left RUNNING: queued again at the next start
        except Exception as error:
            await self._failed(job, handler, error)
        else:
            await self._set(job.id, state=JobState.DONE, finished_at=utcnow(), last_error=None)
        finally:
            heartbeat.cancel()

    async def _failed(self, job: Job, handler: JobHandler, error: Exception) -> None:
        detail = f"{type(error).__name__}: {error}"[-20_000:]
        if isinstance(error, JobFatal) or job.attempts >= self._max_attempts:
            log.warning("job %s (%s) failed for good: %s", job.id, job.kind, detail[:500])
            try:
                await handler.give_up(job, error)
            except Exception:
                log.exception("job %s (%s): recording the failure failed", job.id, job.kind)
            await self._set(job.id, state=JobState.FAILED, finished_at=utcnow(), last_error=detail)
            return
        delay = self._backoff_s * 2 ** (job.attempts - 1)
        log.info("job %s (%s) will retry in %.0f s: %s", job.id, job.kind, delay, detail[:500])
        await self._set(
            job.id,
            state=JobState.QUEUED,
            run_after=utcnow() + timedelta(seconds=delay),
            last_error=detail,
        )

    async def _heartbeat(self, job_id: int) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            await self._set(job_id, heartbeat_at=utcnow())

    async def _set(self, job_id: int, **values: Any) -> None:
        async with self._database.write() as session:
            await session.execute(update(Job).where(Job.id == job_id).values(**values))
