"""The embedded job runner: retries with backoff, fatal failures, restarts, concurrency."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from server.db import Database
from server.jobs import JobFatal, LocalJobRunner
from server.models import Job, JobState
from server.settings import Settings
from tests.databases import postgres_database


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


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def database(request: pytest.FixtureRequest, settings: Settings) -> AsyncIterator[Database]:
    if request.param == "sqlite":
        database = Database(settings)
        await database.upgrade()
        yield database
        await database.close()
        return
    async with postgres_database() as url:
        database = Database(dataclasses.replace(settings, database_url=url))
        await database.upgrade()
        yield database
        await database.close()


async def enqueue(database: Database, runner: LocalJobRunner, count: int = 1) -> None:
    async with database.write() as session:
        for _ in range(count):
            runner.enqueue(session, "work", None, {})
    runner.wake()


async def jobs(database: Database) -> list[Job]:
    async with database.read() as session:
        return list((await session.scalars(select(Job).order_by(Job.id))).all())


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
