"""One committed version of a session: what the journal holds and the broadcaster sends."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server.models import SessionUpdate


@dataclass(frozen=True)
class Change:
    """One committed version of a session, as moderators see it."""

    session_id: int
    version: int
    public_previous: int | None
    kind: str
    payload: dict[str, Any]
    at: datetime

    def as_update(self) -> dict[str, Any]:
        return {
            "session": self.session_id,
            "version": self.version,
            "previous": self.version - 1,
            "public_previous": self.public_previous,
            "kind": self.kind,
            "at": self.at.isoformat(),
            **self.payload,
        }

    @classmethod
    def from_row(cls, row: SessionUpdate) -> Change:
        return cls(
            row.country_session_id,
            row.version,
            row.public_previous,
            row.kind,
            row.payload,
            row.created_at,
        )
