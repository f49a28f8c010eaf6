"""`presession worker`: a process that runs transcode jobs and nothing else.

It shares the server's PostgreSQL database (the queue: the job rows) and data folder (the
uploads it reads, the renditions it writes). With Redis configured, statement progress goes
from here to the live room's browsers as Socket.IO `progress`, through the same Redis
channel the server processes share; without it, progress is only saved (the pages read it
from the API).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import AsyncIterator
from typing import Any

import socketio

from media.tools import ToolChecker
from server.db import Database
from server.errors import PresessionError
from server.health import redis_check
from server.jobs import LocalJobRunner, job_counts
from server.live.broadcast import Broadcaster, event_lookup
from server.settings import Settings
from server.stage.recording import QA_RECORDING, QaRecordingHandler
from server.statements.notify import Notifier, StatementProgress
from server.statements.processing import TranscodeHandler
from server.statements.uploads import TRANSCODE

log = logging.getLogger(__name__)
POLL_S = 10.0  # besides the database's wake-ups, in case one is lost


class WorkerUnavailable(PresessionError):
    """This configuration cannot have a separate worker."""


def require_shared_queue(settings: Settings) -> None:
    if settings.database_url.startswith("sqlite"):
        raise WorkerUnavailable(
            "presession worker needs PostgreSQL (PRESESSION_DATABASE_URL=postgresql+asyncpg://"
            "…): with SQLite, `presession serve` runs the jobs itself."
        )


async def run_worker(settings: Settings, concurrency: int) -> None:
    """Take transcode jobs until SIGTERM or SIGINT; running ones go back to the queue."""
    require_shared_queue(settings)
    if concurrency < 1:
        raise WorkerUnavailable("a worker needs a job concurrency of at least 1.")
    # Both are inherited by every ffmpeg the worker starts.
    if settings.worker_nice > 0:
        os.nice(settings.worker_nice)
    if settings.worker_cpus:
        os.sched_setaffinity(0, settings.worker_cpus)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(stop_signal, stopping.set)
    database = Database(settings)
    try:
        await database.upgrade()  # serialised between processes (see Database.upgrade)
        async with _notifier(settings, database) as notifier:
            runner = LocalJobRunner(
                database,
                {
                    TRANSCODE: TranscodeHandler(database, settings, notifier),
                    QA_RECORDING: QaRecordingHandler(database, settings),
                },
                concurrency=concurrency,
                max_attempts=settings.job_max_attempts,
                heartbeat_s=settings.job_heartbeat_seconds,
                poll_s=POLL_S,
            )
            await runner.start()
            log.info("worker: taking transcode jobs, %d at a time", concurrency)
            await stopping.wait()
            log.info("worker: stopping; running jobs go back to the queue")
            await runner.stop()
    finally:
        await database.close()


async def check_worker(settings: Settings) -> dict[str, Any]:
    """What `presession worker --check` reports: the queue, ffmpeg, Redis when configured."""
    checks: dict[str, Any] = {}
    try:
        require_shared_queue(settings)
        database = Database(settings)
        try:
            async with asyncio.timeout(10):
                checks["queue"] = {"ok": True, **await job_counts(database)}
        finally:
            await database.close()
    except WorkerUnavailable as error:
        checks["queue"] = {"ok": False, "error": error.message}
    except Exception as error:
        checks["queue"] = {"ok": False, "error": f"the job queue does not answer: {error}"}
    for tool in await ToolChecker().statuses():
        checks[tool.name] = {"ok": tool.ok, "version": tool.version, "error": tool.error}
    if settings.redis_url:
        checks["redis"] = await redis_check(settings.redis_url)
    return checks


class _SavedOnly:
    """Without Redis nobody can be told from here: progress is in the database only."""

    async def statement_progress(self, progress: StatementProgress) -> None:
        log.debug("statement %s: %s %.2f", progress.statement, progress.state, progress.progress)


class _Tolerant:
    """Progress is a courtesy: Redis being away must not fail a transcode."""

    def __init__(self, notifier: Notifier) -> None:
        self._notifier = notifier

    async def statement_progress(self, progress: StatementProgress) -> None:
        try:
            await self._notifier.statement_progress(progress)
        except Exception as error:
            log.warning("statement %s: progress not announced: %s", progress.statement, error)


@contextlib.asynccontextmanager
async def _notifier(settings: Settings, database: Database) -> AsyncIterator[Notifier]:
    if not settings.redis_url:
        yield _SavedOnly()
        return
    # Write-only: this process has no Socket.IO clients, it only publishes to the servers'.
    manager = socketio.AsyncRedisManager(
        settings.redis_url, channel=settings.redis_channel, write_only=True
    )
    try:
        yield _Tolerant(Broadcaster(manager, event_lookup(database)))
    finally:
        if getattr(manager, "redis", None) is not None:
            await manager.redis.aclose()
