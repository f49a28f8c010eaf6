"""The server's one periodic runner: rounds that come back every so many seconds."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)
Work = Callable[[], Awaitable[object]]


async def every(seconds: float, work: Work, what: str, *, at_once: bool = False) -> None:
    """Run `work` every `seconds` (the first round at once when `at_once`), for as long as the
    task lives; a failure (a database hiccup) is logged and the next round comes all the same."""
    if not at_once:
        await asyncio.sleep(seconds)
    while True:
        try:
            await work()
        except Exception:
            log.exception("%s failed", what)
        await asyncio.sleep(seconds)


class Rounds:
    """The periodic tasks of one part of the server, kept referenced and stopped together."""

    def __init__(self) -> None:
        self._tasks: list[asyncio.Task[None]] = []

    def start(self, seconds: float, work: Work, what: str, *, at_once: bool = False) -> None:
        self._tasks.append(asyncio.create_task(every(seconds, work, what, at_once=at_once)))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
