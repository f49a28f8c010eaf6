"""How statement progress leaves the server: one small interface, plugged in by the app.

The live room's broadcaster implements `Notifier` with Socket.IO (`progress` to the speaker
and the organisers); tests plug in a recorder. Domain code calls `statement_progress(...)`
and never knows which one it has.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from server.models import Statement


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


def progress_of(statement: Statement) -> StatementProgress:
    """A statement's progress as announced: ffmpeg's stderr (`detail`) stays with organisers,
    who read it from the API."""
    error = statement.error
    if error:
        error = {key: value for key, value in error.items() if key != "detail"}
    return StatementProgress(
        statement=statement.id,
        session=statement.country_session_id,
        speaker=statement.speaker_id,
        state=statement.state.value,
        progress=statement.progress,
        error=error,
    )


async def announce(notifier: Notifier, statement: Statement) -> None:
    """Tell `notifier` where the statement is now."""
    await notifier.statement_progress(progress_of(statement))
