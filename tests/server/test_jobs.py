"""The embedded job runner: retries with backoff, fatal failures, restarts, concurrency."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from server.db import Database
from server.jobs import JobFatal, LocalJobRunner
from server.models import Job, JobState, utcnow


class Handler:
    def __init__(self, failures: list[BaseException] | None = None) -> None:
        self.failures = list(failures or [])
        self.runs: list[int] = []
        self.given_up: list[str] = []
        self.concurrent = 0
        self.most_concurrent = 0

    async def run(self, job: Job) -> None:
        self.runs.append(job.id)
        self.concurrent += 1
        self.most_concurrent = max(self.most_concurrent, self.concurrent)
        try:
            await asyncio.sleep(0.05)
            if self.failures:
                raise self.failures.pop(0)
        finally:
            self.concurrent -= 1

    async def give_up(self, job: Job, error: BaseException) -> None:
        self.given_up.append(str(error))


async def enqueue(database: Database, runner: LocalJobRunner, count: int = 1) -> None:
    async with database.write() as session:
        for _ in range(count):
            runner.enqueue(session, "work", None, {})
    runner.wake()


async def jobs(database: Database) -> list[Job]:
    async with database.read() as session:
        return list((await session.scalars(select(Job).order_by(Job.id))).all())


async def until_done(database: Database, index: int) -> None:
    while True:
        if (await jobs(database))[index].state is JobState.DONE:
            return
        await asyncio.sleep(0.02)


async def run_until_idle(runner: LocalJobRunner) -> None:
    await runner.start()
    async with asyncio.timeout(10):
        await runner.idle()
    await runner.stop()


async def test_a_transient_failure_is_retried_with_backoff(database: Database) -> None:
    handler = Handler([RuntimeError("disk busy")])
    runner = LocalJobRunner(database, {"work": handler}, backoff_s=0.1)
    await enqueue(database, runner)
    await run_until_idle(runner)
    [job] = await jobs(database)
    assert job.state is JobState.DONE
    assert job.attempts == 2
    assert handler.given_up == []


async def test_a_fatal_failure_gives_up_at_once(database: Database) -> None:
    handler = Handler([JobFatal("Invalid data found when processing input")])
    runner = LocalJobRunner(database, {"work": handler}, backoff_s=0.1)
    await enqueue(database, runner)
    await run_until_idle(runner)
    [job] = await jobs(database)
    assert job.state is JobState.FAILED
    assert job.attempts == 1
    assert "Invalid data" in (job.last_error or "")
    assert handler.given_up == ["Invalid data found when processing input"]


async def test_attempts_are_bounded(database: Database) -> None:
    handler = Handler([RuntimeError("again")] * 5)
    runner = LocalJobRunner(database, {"work": handler}, max_attempts=3, backoff_s=0.01)
    await enqueue(database, runner)
    await run_until_idle(runner)
    [job] = await jobs(database)
    assert (job.state, job.attempts, len(handler.given_up)) == (JobState.FAILED, 3, 1)


async def test_a_job_left_running_by_a_crash_runs_at_the_next_start(database: Database) -> None:
    async with database.write() as session:
        session.add(Job(kind="work", state=JobState.RUNNING, attempts=1, payload={}))
    handler = Handler()
    await run_until_idle(LocalJobRunner(database, {"work": handler}))
    [job] = await jobs(database)
    assert (job.state, job.attempts) == (JobState.DONE, 2)


async def test_concurrency_is_bounded(database: Database) -> None:
    handler = Handler()
    runner = LocalJobRunner(database, {"work": handler}, concurrency=2)
    await enqueue(database, runner, count=5)
    await run_until_idle(runner)
    assert len(handler.runs) == 5
    assert handler.most_concurrent == 2


class Blocking:
    """Runs until released; records whether it was stopped from outside."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        self.stopped = asyncio.Event()

    async def run(self, job: Job) -> None:
        self.started.set()
        try:
            await self.release.wait()
        except asyncio.CancelledError:
            self.stopped.set()
            raise

    async def give_up(self, job: Job, error: BaseException) -> None:
        raise AssertionError("nothing fails here")


async def test_a_runner_whose_lease_passed_on_stops_its_run(database: Database) -> None:
    first_handler, second_handler = Blocking(), Blocking()
    first = LocalJobRunner(database, {"work": first_handler}, heartbeat_s=0.5)
    second = LocalJobRunner(database, {"work": second_handler}, heartbeat_s=0.5)
    await enqueue(database, first)
    await first.start()
    async with asyncio.timeout(5):
        await first_handler.started.wait()
    # What another runner does when this one's heartbeat stalls: take the job back.
    async with database.write() as session:
        await session.execute(update(Job).values(state=JobState.QUEUED))
    await second.start()
    async with asyncio.timeout(5):
        await second_handler.started.wait()
        await first_handler.stopped.wait()  # its next heartbeat found the lease gone
    second_handler.release.set()
    async with asyncio.timeout(5):
        await second.idle()
    [job] = await jobs(database)
    assert (job.state, job.attempts) == (JobState.DONE, 2)
    await first.stop()
    await second.stop()


@pytest.mark.postgres
async def test_a_live_runners_job_is_left_alone_and_a_dead_ones_taken_back(
    database: Database,
) -> None:
    if database.is_sqlite:
        pytest.skip("with SQLite the server is the only runner: it re-queues at start")
    async with database.write() as session:
        session.add(
            Job(kind="work", state=JobState.RUNNING, attempts=1, payload={}, heartbeat_at=utcnow())
        )
        session.add(
            Job(
                kind="work",
                state=JobState.RUNNING,
                attempts=1,
                payload={},
                heartbeat_at=utcnow() - timedelta(minutes=5),
            )
        )
    handler = Handler()
    runner = LocalJobRunner(database, {"work": handler})
    await runner.start()
    async with asyncio.timeout(5):
        await until_done(database, 1)
    await runner.stop()
    alive, dead = await jobs(database)
    assert (alive.state, alive.attempts) == (JobState.RUNNING, 1)
    assert (dead.state, dead.attempts) == (JobState.DONE, 2)
    assert handler.runs == [dead.id]


async def test_a_stopping_runner_hands_its_job_back(database: Database) -> None:
    handler = Blocking()
    runner = LocalJobRunner(database, {"work": handler})
    await enqueue(database, runner)
    await runner.start()
    async with asyncio.timeout(5):
        await handler.started.wait()
    await runner.stop()
    [job] = await jobs(database)
    assert (job.state, job.attempts, handler.stopped.is_set()) == (JobState.QUEUED, 1, True)


@pytest.mark.postgres
async def test_a_job_enqueued_elsewhere_wakes_an_idle_runner_at_once(database: Database) -> None:
    if database.is_sqlite:
        pytest.skip("with SQLite the server is the only runner: nobody else to wake")
    handler = Blocking()
    # A web process (runs nothing) and a worker that, unwoken, would look again only in 60 s.
    web = LocalJobRunner(database, {"work": Handler()}, concurrency=0)
    worker = LocalJobRunner(database, {"work": handler}, poll_s=60, heartbeat_s=60)
    await web.start()
    await worker.start()
    await asyncio.sleep(0.5)  # the worker has looked, found nothing, and waits
    await enqueue(database, web)
    async with asyncio.timeout(5):  # PostgreSQL's NOTIFY, not the 60 s poll
        await handler.started.wait()
    handler.release.set()
    await worker.stop()
    await web.stop()
