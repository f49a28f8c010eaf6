"""The programme as iCalendar, parsed back by a real parser (icalendar)."""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp.test_utils import TestClient
from icalendar import Calendar

from tests.factories import Seed

Client = TestClient  # type: ignore[type-arg]


async def test_the_programme_calendar(client: Client, seeded: Seed) -> None:
    response = await client.get("/api/sessions.ics")
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(await response.read())
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["X-WR-CALNAME"]) == "Test pre-sessions"
    events = calendar.walk("VEVENT")
    assert [str(event["SUMMARY"]) for event in events] == [
        "Test pre-sessions: Belgium",
        "Test pre-sessions: Denmark",
    ]
    belgium = events[0]
    assert belgium.decoded("DTSTART") == datetime(2030, 3, 4, 9, 0, tzinfo=UTC)  # 10:00 Geneva
    assert belgium.decoded("DTEND") == datetime(2030, 3, 4, 10, 0, tzinfo=UTC)
    assert str(belgium["UID"]) == f"session-{seeded.session_id}@localhost"
    assert str(belgium["URL"]).endswith(f"/sessions/{seeded.session_id}")
    assert len({str(event["UID"]) for event in events}) == 2


async def test_one_session_calendar(client: Client, seeded: Seed) -> None:
    response = await client.get(f"/api/sessions/{seeded.other_session_id}.ics")
    assert response.status == 200
    assert 'filename="session-' in response.headers["Content-Disposition"]
    [event] = Calendar.from_ical(await response.read()).walk("VEVENT")
    assert "Denmark" in str(event["SUMMARY"])
    assert (await client.get("/api/sessions/9999.ics")).status == 404


async def test_no_event_yet(client: Client) -> None:
    response = await client.get("/api/sessions.ics")
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "not_found"
