"""How statement progress leaves the server: one small interface, plugged in by the app.

The live room implements `Notifier` with Socket.IO (`progress` to the speaker and the
moderators); until then, and in tests, `LoggingNotifier` only logs. Domain code calls
`statement_progress(...)` and never knows which one it has.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Protocol

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StatementProgress:
    statement: int
    session: int
    speaker: int | None  # the person id of the statement's speaker
    state: str
    progress: float  # 0..1
    error: dict[str, Any] | None = None


class Notifier(Protocol):
    async def statement_progress(self, progress: StatementProgress) -> None: ...


class LoggingNotifier:
    async def statement_progress(self, progress: StatementProgress) -> None:
        log.info(
            "statement %s: %s %.0f%%", progress.statement, progress.state, progress.progress * 100
        )
