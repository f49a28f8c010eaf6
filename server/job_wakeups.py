"""Waking job runners in other processes: PostgreSQL `LISTEN`/`NOTIFY` on one channel.

The job rows stay the truth; a notification only says "look now", so a lost one costs at
most a poll interval. Sent after the enqueuing write commits (`JobQueue.wake`), received by
every runner that takes work (`presession worker`, or a server with job concurrency).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import text

from server.db import Database

log = logging.getLogger(__name__)
CHANNEL = "presession_jobs"
RECONNECT_S = 2.0


def _set_event(event: asyncio.Event, *_args: Any) -> None:
    event.set()


class JobWakeups:
    """Sends and receives "there is new work" between the processes of one database."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self._tasks: set[asyncio.Task[None]] = set()
        self._listener: asyncio.Task[None] | None = None

    @property
    def shared(self) -> bool:
        """SQLite has one process running jobs: there is nobody else to wake."""
        return not self._database.is_sqlite

    def send(self) -> None:
        """Tell the other processes to look at the queue (fire and forget, kept referenced)."""
        if not self.shared:
            return
        task = asyncio.get_running_loop().create_task(self.notify(), name="job-wakeup")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def notify(self) -> None:
        """`send`, awaited (a command that ends right after)."""
        if not self.shared:
            return
        try:
            async with self._database.engine.connect() as connection:
                await connection.execute(text(f"NOTIFY {CHANNEL}"))
                await connection.commit()
        except Exception as error:
            # The workers poll as well: a lost wake-up only delays the job.
            log.warning("could not wake the job workers: %s", error)

    def listen(self, on_wakeup: Callable[[], None]) -> None:
        """Call `on_wakeup` on every notification, reconnecting after a lost connection."""
        if self.shared and self._listener is None:
            self._listener = asyncio.create_task(self._listen(on_wakeup), name="job-listener")

    async def _listen(self, on_wakeup: Callable[[], None]) -> None:
        def received(*_args: Any) -> None:
            on_wakeup()

        while True:
            try:
                async with self._database.engine.connect() as connection:
                    raw = await connection.get_raw_connection()
                    driver: Any = raw.driver_connection
                    lost = asyncio.Event()
                    driver.add_termination_listener(functools.partial(_set_event, lost))
                    await driver.add_listener(CHANNEL, received)
                    on_wakeup()  # anything enqueued while we were not listening
                    try:
                        await lost.wait()
                    finally:
                        if not driver.is_closed():
                            await driver.remove_listener(CHANNEL, received)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("job wake-ups: listening failed (%s); retrying", error)
            await asyncio.sleep(RECONNECT_S)

    async def close(self) -> None:
        """Let wake-ups on their way go out (a cancelled query would cost its connection),
        then stop listening."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=2)
        tasks = [*self._tasks, *([self._listener] if self._listener else [])]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._listener = None
