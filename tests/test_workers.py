"""Two real `presession worker` processes on one PostgreSQL queue, real ffmpeg.

One worker is killed with `kill -9` in the middle of a transcode: its ffmpeg dies with it, the
job is taken back once its lease runs out and finished by the other worker, and every
statement ends ready, each job run to the end exactly once.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from server.db import Database
from server.identity.service import Identity
from server.models import Job, JobState, Statement, StatementState
from server.settings import Settings
from server.statements.uploads import TRANSCODE
from tests.clips import clip
from tests.databases import postgres_database
from tests.factories import add_speaker, seed
from tests.processes import free_port
from tests.stack import SECRET, Stack, stack

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(240)]
HEARTBEAT_S = "1"  # a dead worker's lease runs out after 3 s


async def queue_transcodes(stack: Stack, recording: Path, count: int) -> list[int]:
    """`count` statements whose upload has arrived, each with its transcode job queued."""
    settings = Settings(data_dir=stack.data_dir, secret=SECRET, database_url=stack.database_url)
    database = Database(settings)
    try:
        await database.upgrade()
        seeded = await seed(database, Identity(database, SECRET, 1))
        statements = [seeded.statement_id]
        for number in range(count - 1):
            statements.append(
                (
                    await add_speaker(
                        database, Identity(database, SECRET, 1), seeded, f"CSO {number}"
                    )
                )[1]
            )
        uploads = settings.uploads_dir
        await asyncio.to_thread(uploads.mkdir, parents=True, exist_ok=True)
        async with database.write() as session:
            for statement_id in statements:
                await asyncio.to_thread(shutil.copy, recording, uploads / f"upload-{statement_id}")
                statement = await session.get(Statement, statement_id)
                assert statement is not None
                statement.state, statement.version = StatementState.PROCESSING, 1
                session.add(
                    Job(
                        kind=TRANSCODE,
                        statement_id=statement_id,
                        payload={"upload": f"upload-{statement_id}", "version": 1},
                    )
                )
        return statements
    finally:
        await database.close()


def ffmpeg_writing(media_dir: Path) -> dict[int, int]:
    """The ffmpeg processes writing a statement's renditions: pid → the pid that started it."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().decode(errors="replace")
            status = (entry / "status").read_text()
        except OSError:
            continue
        if command.startswith("ffmpeg") and str(media_dir) in command and ".partial-" in command:
            parent = next(line for line in status.splitlines() if line.startswith("PPid:"))
            found[int(entry.name)] = int(parent.split()[1])
    return found


async def until(check: object, seconds: float) -> None:
    """Wait until `check()` (sync, run off the loop) is true."""
    async with asyncio.timeout(seconds):
        while True:
            if await asyncio.to_thread(check):  # type: ignore[arg-type]
                return
            await asyncio.sleep(0.1)


async def job_rows(database_url: str) -> list[Job]:
    database = Database(
        Settings(data_dir=Path("/nonexistent"), secret=SECRET, database_url=database_url)
    )
    try:
        async with database.read() as session:
            return list((await session.scalars(select(Job).order_by(Job.id))).all())
    finally:
        await database.close()


async def test_a_worker_killed_mid_transcode_loses_nothing(tmp_path: Path) -> None:
    # Long enough to be caught in the act on a busy machine; small enough to stay quick.
    recording = await asyncio.to_thread(
        clip, tmp_path / "statement.mp4", size="640x360", seconds=12
    )
    async with postgres_database() as url, stack(url, None) as running:
        statements = await queue_transcodes(running, recording, 3)
        media = running.data_dir / "media"
        workers = [
            await running.worker(
                name,
                PRESESSION_JOB_CONCURRENCY="1",
                PRESESSION_JOB_HEARTBEAT_SECONDS=HEARTBEAT_S,
                PRESESSION_TRANSCODE_PRESET="veryfast",
            )
            for name in ("first", "second")
        ]
        pids = {worker.pid for worker in workers}
        # Both workers busy, each with one job: ffmpeg running under each of them.
        await until(lambda: set(ffmpeg_writing(media).values()) == pids, 90)
        victim_ffmpeg, victim = next(iter(ffmpeg_writing(media).items()))
        os.kill(victim, signal.SIGKILL)  # not its process group: ffmpeg must die by itself
        await until(lambda: victim_ffmpeg not in ffmpeg_writing(media), 5)
        rows = await job_rows(url)
        assert sorted(job.attempts for job in rows if job.state is JobState.RUNNING)[-1] == 1, (
            "the killed worker's job was taken over before its ffmpeg had stopped"
        )

        survivor = next(worker for worker in workers if worker.pid != victim)
        database = Database(Settings(data_dir=running.data_dir, secret=SECRET, database_url=url))
        try:
            for _ in range(900):
                async with database.read() as session:
                    states = list(
                        (
                            await session.scalars(
                                select(Statement.state).where(Statement.id.in_(statements))
                            )
                        ).all()
                    )
                if all(state is StatementState.READY for state in states):
                    break
                assert survivor.returncode is None, running.log_of("worker-second.log")
                await asyncio.sleep(0.2)
            assert all(state is StatementState.READY for state in states), states
        finally:
            await database.close()
        rows = await job_rows(url)
        assert [job.state for job in rows] == [JobState.DONE] * 3
        assert sorted(job.attempts for job in rows) == [1, 1, 2]  # the killed one ran again
        for statement_id in statements:
            folder = media / "statements" / str(statement_id)
            assert sorted(child.name for child in folder.iterdir()) == ["v1"]  # no litter


async def check(stack: Stack, **env: str) -> tuple[int, dict[str, object]]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "server.cli", "worker", "--check",
        env=stack.env(**env), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    stdout, _ = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, json.loads(stdout)


async def test_worker_check_says_whether_it_reaches_its_queue() -> None:
    async with postgres_database() as url, stack(url, None) as running:
        await running.presession("db", "upgrade", json_output=False)  # as the worker does first
        code, report = await check(running)
        assert code == 0, report
        assert report["checks"]["queue"] == {"ok": True, "queued": 0, "running": 0}  # type: ignore[index]
        closed = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/none"
        code, report = await check(running, PRESESSION_DATABASE_URL=closed)
        assert code == 1
        assert report["checks"]["queue"]["ok"] is False  # type: ignore[index]
        code, report = await check(running, PRESESSION_DATABASE_URL="sqlite+aiosqlite:///x.db")
        assert code == 1
        assert "needs PostgreSQL" in report["checks"]["queue"]["error"]  # type: ignore[index]
