"""Deadlines: reading them from requests, and when a speaker's uploads close."""

from __future__ import annotations

from datetime import datetime

from server.errors import Forbidden, Invalid

# Deadlines outside these years are typing mistakes (and some would not fit the database).
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100


def due_at(own: datetime | None, event: datetime | None) -> datetime | None:
    """When a speaker's uploads close: the event's deadline, or the speaker's own when it is
    later (an extension never shortens); None when the event has no deadline."""
    if event is None or own is None:
        return event
    return max(own, event)


def check_statement_open(
    own: datetime | None,
    event: datetime | None,
    now: datetime,
    *,
    organiser: bool,
    field: str | None = None,
) -> None:
    """A speaker's statement (its uploads, its recommendations) can change until `due_at`;
    organisers can change it at any time. `field`: the part of the request the error names."""
    deadline = due_at(own, event)
    if deadline is not None and now > deadline and not organiser:
        raise Forbidden(
            "The deadline for statements has passed; ask the organisers.",
            code="deadline_passed",
            field=field,
        )


def parse_deadline(raw: object, name: str) -> datetime | None:
    """A deadline from a request body: an ISO 8601 date and time with its time zone, in a
    plausible year; null for none."""
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(str(raw))
    except ValueError as error:
        raise Invalid(f"'{name}' is an ISO 8601 date and time.") from error
    if moment.tzinfo is None:
        raise Invalid(f"'{name}' needs its time zone (for example +01:00 or Z).")
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        raise Invalid(f"'{name}' must fall between {EARLIEST_YEAR} and {LATEST_YEAR}.")
    return moment
