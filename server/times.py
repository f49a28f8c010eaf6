"""Moments as the API writes them."""

from __future__ import annotations

from datetime import datetime


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 (with its offset), or None for no moment."""
    return None if moment is None else moment.isoformat()
