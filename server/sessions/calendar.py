"""The programme as an iCalendar file (RFC 5545), for diplomats' calendars."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from icalendar import Calendar
from icalendar import Event as CalendarEvent

from server.countries import country_name
from server.models import CountrySession, Event, utcnow


def programme_calendar(event: Event, sessions: Sequence[CountrySession], public_url: str) -> bytes:
    """One VEVENT per country session, in UTC (every calendar shows it in its own zone)."""
    calendar = Calendar()
    calendar.add("prodid", "-//UPR Info//Presession//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", event.name)
    host = urlsplit(public_url).hostname or "presession"
    stamp = utcnow()
    for country_session in sessions:
        country = country_name(country_session.country)
        entry = CalendarEvent()
        entry.add("uid", f"session-{country_session.id}@{host}")
        entry.add("dtstamp", stamp)
        entry.add("dtstart", country_session.starts_at)
        entry.add("dtend", country_session.ends_at)
        entry.add("summary", f"{event.name}: {country}")
        entry.add(
            "description",
            f"Pre-session on {country} (State under Review): recorded statements of civil"
            " society and national human rights institutions, then questions from the"
            " permanent missions.",
        )
        entry.add("location", "Online")
        entry.add("url", f"{public_url}/sessions/{country_session.id}")
        calendar.add_component(entry)
    return bytes(calendar.to_ical())
