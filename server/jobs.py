"""Durable background jobs: rows in the database, claimed and run with bounded concurrency.

The rest of the server sees only `JobQueue` (enqueue inside a write, wake after commit) and
registers `JobHandler`s by kind. `LocalJobRunner` runs jobs in the process that holds it: the
server itself (embedded, the SQLite default) or `presession worker` processes sharing one
PostgreSQL database. A job is committed together with the change that asks for it, so it
cannot be lost.

Several runners claim work with `SELECT … FOR UPDATE SKIP LOCKED`, so one job goes to one
runner. A claim is a lease: the runner stamps `heartbeat_at` every `heartbeat_s` and owns the
job only while `attempts` still equals the attempt it claimed. A runner whose heartbeat stops
(killed, cut off) loses its jobs to the others after three heartbeats; one that finds its
lease gone, or cannot renew it in time, cancels its own run, so a job never runs twice at
once. With SQLite the server is the only runner: at start it queues again what it left
running.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Mapping
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import Database
from server.job_wakeups import JobWakeups
from server.models import Job, JobState, utcnow

log = logging.getLogger(__name__)
HEARTBEAT_SECONDS = 10.0
STALE_HEARTBEATS = 3  # a lease not renewed for this many heartbeats is taken back


class JobFatal(Exception):
    """Running the job again cannot help: give up at once (the handler says why)."""


class LeaseLost(Exception):
    """Another runner took this job over: this run must stop."""


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


async def job_counts(database: Database) -> dict[str, int]:
    """How many jobs wait (due or backing off) and how many run, across every runner."""
    async with database.read() as session:
        rows = await session.execute(
            select(Job.state, func.count(Job.id))
            .where(Job.state.in_([JobState.QUEUED, JobState.RUNNING]))
            .group_by(Job.state)
        )
        counts = {JobState(state).value: int(count) for state, count in rows.all()}
    return {"queued": counts.get("queued", 0), "running": counts.get("running", 0)}


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
        heartbeat_s: float = HEARTBEAT_SECONDS,
    ) -> None:
        self._database = database
        self._handlers = handlers
        self._concurrency = max(0, concurrency)  # 0: another process runs the jobs
        self._max_attempts = max(1, max_attempts)
        self._backoff_s = backoff_s
        self._poll_s = poll_s
        self._heartbeat_s = heartbeat_s
        self._stale_after = timedelta(seconds=heartbeat_s * STALE_HEARTBEATS)
        self._wakeups = JobWakeups(database)
        self._wake = asyncio.Event()
        self._running: dict[int, asyncio.Task[None]] = {}  # job id → its run
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
        self._wakeups.send()

    async def start(self) -> None:
        """Start taking work (with concurrency 0, only wake the processes that do)."""
        if self._concurrency == 0:
            return
        if self._database.is_sqlite:
            # This process is the only runner: what is left running was interrupted.
            async with self._database.write() as session:
                await session.execute(
                    update(Job).where(Job.state == JobState.RUNNING).values(state=JobState.QUEUED)
                )
        self._wakeups.listen(self._wake.set)
        self._loop_task = asyncio.create_task(self._loop(), name="job-runner")

    async def stop(self) -> None:
        """Stop taking work; interrupt running jobs and hand them back to the queue."""
        if self._loop_task:
            self._loop_task.cancel()
        running = dict(self._running)
        for task in running.values():
            task.cancel()
        for task in [*running.values(), *([self._loop_task] if self._loop_task else [])]:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._wakeups.close()

    async def idle(self) -> None:
        """Wait until no runner has a job running or queued, retries included (tests, draining)."""
        while self._running or self._claiming or any((await job_counts(self._database)).values()):
            self._wake.set()
            await asyncio.sleep(0.05)

    async def _loop(self) -> None:
        while True:
            self._wake.clear()
            try:
                await self._take_back_stale()
                await self._start_due_jobs()
                pause = await self._sleep_for()
            except Exception:
                # The database may be briefly unavailable; the jobs are safe in it.
                log.exception("the job runner could not read the queue; trying again")
                pause = self._backoff_s
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(pause):
                    await self._wake.wait()

    async def _take_back_stale(self) -> None:
        """Queue again the jobs of runners that stopped renewing their lease."""
        async with self._database.write() as session:
            result = await session.execute(
                update(Job)
                .where(
                    Job.state == JobState.RUNNING,
                    or_(
                        Job.heartbeat_at.is_(None), Job.heartbeat_at < utcnow() - self._stale_after
                    ),
                )
                .values(state=JobState.QUEUED, run_after=utcnow())
                .returning(Job.id)
            )
            taken = list(result.scalars())
        if taken:
            log.warning("jobs %s lost their runner; queued again", taken)

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
                self._running[job.id] = task
                task.add_done_callback(functools.partial(self._finished, job.id))
            finally:
                self._claiming -= 1

    def _finished(self, job_id: int, _task: asyncio.Task[None]) -> None:
        self._running.pop(job_id, None)
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

    async def _sleep_for(self) -> float:
        async with self._database.read() as session:
            upcoming = await session.scalar(
                select(func.min(Job.run_after)).where(Job.state == JobState.QUEUED)
            )
        pause = self._poll_s
        if not self._database.is_sqlite:
            pause = min(pause, self._heartbeat_s)  # look for other runners' stale jobs
        if upcoming is None:
            return pause
        return min(pause, max(0.05, (upcoming - utcnow()).total_seconds()))

    async def _run(self, job: Job) -> None:
        handler = self._handlers[job.kind]
        work = asyncio.current_task()
        assert work is not None
        heartbeat = asyncio.create_task(self._keep_lease(job, work))
        try:
            await handler.run(job)
        except asyncio.CancelledError:
            if heartbeat.done() and isinstance(heartbeat.exception(), LeaseLost):
                log.warning("job %s (%s) stopped: its lease passed on", job.id, job.kind)
                return
            await asyncio.shield(self._hand_back(job))
            raise
        except Exception as error:
            await self._failed(job, handler, error)
        else:
            await self._own(job, state=JobState.DONE, finished_at=utcnow(), last_error=None)
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError, LeaseLost):
                await heartbeat

    async def _failed(self, job: Job, handler: JobHandler, error: Exception) -> None:
        detail = f"{type(error).__name__}: {error}"[-20_000:]
        if isinstance(error, JobFatal) or job.attempts >= self._max_attempts:
            log.warning("job %s (%s) failed for good: %s", job.id, job.kind, detail[:500])
            if not await self._own(
                job, state=JobState.FAILED, finished_at=utcnow(), last_error=detail
            ):
                return
            try:
                await handler.give_up(job, error)
            except Exception:
                log.exception("job %s (%s): recording the failure failed", job.id, job.kind)
            return
        delay = self._backoff_s * 2 ** (job.attempts - 1)
        log.info("job %s (%s) will retry in %.0f s: %s", job.id, job.kind, delay, detail[:500])
        await self._own(
            job,
            state=JobState.QUEUED,
            run_after=utcnow() + timedelta(seconds=delay),
            last_error=detail,
        )
        self._wakeups.send()

    async def _hand_back(self, job: Job) -> None:
        """A stopping runner gives its job back at once rather than after the lease runs out."""
        with contextlib.suppress(Exception):
            async with asyncio.timeout(5):
                await self._own(job, state=JobState.QUEUED, run_after=utcnow())
                self._wakeups.send()

    async def _keep_lease(self, job: Job, work: asyncio.Task[None]) -> None:
        """Renew the lease; stop the work when it passed on or could not be renewed in time."""
        renewed = time.monotonic()
        limit = self._stale_after.total_seconds() - self._heartbeat_s
        while True:
            await asyncio.sleep(self._heartbeat_s)
            try:
                if not await self._own(job, heartbeat_at=utcnow()):
                    work.cancel()
                    raise LeaseLost(job.id)
                renewed = time.monotonic()
            except LeaseLost:
                raise
            except Exception as error:
                log.warning("job %s: could not renew its lease: %s", job.id, error)
                if time.monotonic() - renewed > limit:
                    work.cancel()
                    raise LeaseLost(job.id) from error

    async def _own(self, job: Job, **values: Any) -> bool:
        """Update the job only while this runner's claim holds; False when it passed on."""
        async with self._database.write() as session:
            result = await session.execute(
                update(Job)
                .where(
                    Job.id == job.id,
                    Job.state == JobState.RUNNING,
                    Job.attempts == job.attempts,
                )
                .values(**values)
                .returning(Job.id)
            )
            return result.scalar() is not None
