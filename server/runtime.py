"""How the serve process runs: the interpreter's garbage collector, set from settings in one place.

A live room holds thousands of long-lived objects per hundred connections (sockets, tasks,
queues, sessions). CPython's cyclic collector walks all of them on every full collection, and
every fan-out to a room allocates a task per connection, which keeps full collections coming:
with 1,000 connections they took 3.7 to 6.2 s of the 35 s measured (one up to 1.2 s) on a
loaded machine, stalling every ask and every update. So the serve process
(docs/architecture.md, "The serve process"):

- freezes what exists after start-up, and again after each burst of arrivals once it settles
  (`gc.freeze`: the collector no longer walks those objects; reference counting still frees
  them). Cyclic garbage among frozen objects (a departed connection's) is found only by an
  unfreeze and a full collection: done once most of the connections frozen have gone, and at
  least every `REFREEZE_SECONDS` (one full pause in ten minutes instead of several a minute).
- freezes the survivors of every full collection as well (`PRESESSION_GC_FREEZE_SURVIVORS`):
  right after one, everything left is alive, and the next full collection walks only what
  came since. Between bursts, a live room keeps making objects that outlive the young
  generations (each connection's waiting tasks, futures and timers, renewed with every
  message and ping): 60,000 of them at 1,000 connections, which every full collection walked
  again. The price: anything alive at a full collection (a request in flight, a connection)
  that later becomes cyclic garbage is found only at the next unfreeze, which therefore comes
  every `REFREEZE_SECONDS` whatever the arrivals.

The thresholds can be set too (`PRESESSION_GC_THRESHOLD`); raising them bought nothing that
the benchmark could tell from noise, so CPython's stay.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from collections.abc import AsyncIterator, Callable

from aiohttp import web

from server.keys import BROADCASTER, SETTINGS

log = logging.getLogger(__name__)
# Arrivals (or departures) since the last freeze that ask for a new one, once they settle.
FREEZE_AFTER_CONNECTIONS = 100
SETTLE_SECONDS = 5.0
REFREEZE_SECONDS = 600.0


class Freezer:
    """Freezes the heap after start-up and after bursts of connections, once they settle."""

    def __init__(
        self, connections: Callable[[], int], clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._connections = connections
        self._clock = clock
        self._frozen_at = 0  # connections when last frozen
        self._frozen_when = clock()
        self._last_seen = 0

    def freeze(self) -> None:
        gc.collect()
        gc.freeze()
        self._frozen_at = self._last_seen = self._connections()
        self._frozen_when = self._clock()

    def after_collection(self, phase: str, info: dict[str, int]) -> None:
        """A `gc.callbacks` entry: freeze what a full collection left (all of it alive)."""
        if phase == "stop" and info["generation"] == 2:
            gc.freeze()

    def check(self) -> bool:
        """Called every few seconds: freeze again when a burst of arrivals has settled (first
        unfreezing, so that a full collection finds the departed's cycles, once most frozen
        connections have gone); and unfreeze, collect and freeze every `REFREEZE_SECONDS`
        whatever the arrivals, since a room that never settles would otherwise keep the
        frozen set's cyclic garbage for ever."""
        now = self._connections()
        settled, self._last_seen = now == self._last_seen, now
        if self._clock() - self._frozen_when >= REFREEZE_SECONDS:
            gc.unfreeze()
            self.freeze()
            log.info("live room: collected the frozen heap and froze it at %d connections", now)
            return True
        if not settled or abs(now - self._frozen_at) < FREEZE_AFTER_CONNECTIONS:
            return False
        if now < self._frozen_at / 2:
            gc.unfreeze()  # their cycles can be collected only outside the frozen set
        self.freeze()
        log.info("live room: froze the heap at %d connections", now)
        return True


def tune_runtime(app: web.Application) -> None:
    """Apply the garbage-collection settings to the process serving `app`."""
    settings = app[SETTINGS]
    if settings.gc_threshold is not None:
        gc.set_threshold(*settings.gc_threshold)
    if settings.gc_freeze:
        app.cleanup_ctx.append(_freezing)


async def _freezing(app: web.Application) -> AsyncIterator[None]:
    freezer = Freezer(app[BROADCASTER].connection_count)
    freezer.freeze()  # everything start-up made
    if app[SETTINGS].gc_freeze_survivors:
        gc.callbacks.append(freezer.after_collection)
    task = asyncio.create_task(_check_every(freezer, SETTLE_SECONDS))
    try:
        yield
    finally:
        if freezer.after_collection in gc.callbacks:
            gc.callbacks.remove(freezer.after_collection)
        gc.unfreeze()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _check_every(freezer: Freezer, seconds: float) -> None:
    while True:
        await asyncio.sleep(seconds)
        freezer.check()
