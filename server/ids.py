"""Ids sent by clients: checked against what the database can hold before any query.

Every table's id is an SQL `INTEGER`: 64 bits in SQLite, but 32 in PostgreSQL. A larger
number cannot name a row on either, and handed to the database it fails deep in the driver
(SQLite: `OverflowError`; PostgreSQL: out of range), so it is refused here, once, for HTTP
paths and bodies and for the live room alike. Booleans are never ids, although Python counts
`True` as 1.
"""

from __future__ import annotations

from typing import TypeGuard

MAX_ID = 2**31 - 1  # the smaller of the two engines' INTEGER
_MAX_DIGITS = len(str(MAX_ID))


def is_id(value: object) -> TypeGuard[int]:
    """Whether a JSON value can name a row: a whole number from 1 to `MAX_ID`, not a boolean."""
    return type(value) is int and 1 <= value <= MAX_ID


def parse_id(raw: str) -> int | None:
    """The id a path segment names, or None when it cannot name a row."""
    if not raw.isascii() or not raw.isdigit() or len(raw) > _MAX_DIGITS:
        return None
    value = int(raw)
    return value if is_id(value) else None
