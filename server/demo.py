"""The demo event: UPR Pre-sessions 38, its 14 country sessions, sample speakers and delegates.

Safe to run again: everything is found or created, and the same links are printed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.countries import country_name
from server.db import Database
from server.identity.invitations import InvitationRequest, Invited, invite
from server.identity.service import Identity
from server.languages import LANGUAGES
from server.models import CountrySession, Event, OrganisationKind, Role, Scope, utcnow
from server.sessions.service import event_json, missions_by_country, session_json
from server.settings import Settings

EVENT_SLUG = "upr-pre-sessions-38"
EVENT_NAME = "UPR Pre-sessions 38"
COUNTRIES = ("BE", "DK", "EE", "LV", "MZ", "NA", "NE", "PW", "PY", "SC", "SL", "SG", "SB", "SO")
# Missions that often take the floor; each session gets three of them besides the State under
# Review's own.
OTHER_MISSIONS = (
    "FR",
    "BR",
    "JP",
    "CA",
    "MX",
    "NL",
    "CH",
    "ZA",
    "AR",
    "IN",
    "KE",
    "NO",
    "UY",
    "PT",
)
GENEVA = ZoneInfo("Europe/Zurich")
SLOTS_GENEVA = (time(10, 0), time(14, 30))
SESSION_LENGTH = timedelta(minutes=90)
SPEAKERS = (
    (
        OrganisationKind.NHRI,
        "{name} Human Rights Commission",
        "The national human rights institution's assessment",
    ),
    (
        OrganisationKind.COALITION,
        "Coalition for the UPR of {name}",
        "Civic space and the freedom of expression",
    ),
    (
        OrganisationKind.CSO,
        "{name} Women's Rights Network",
        "Gender-based violence and access to justice",
    ),
)


def schedule(first_day: date, zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """Two sessions a working day, Geneva time, from the first working day given."""
    slots: list[tuple[datetime, datetime]] = []
    day = first_day
    while len(slots) < len(COUNTRIES):
        if day.weekday() < 5:
            for start in SLOTS_GENEVA:
                starts_at = datetime.combine(day, start, zone).astimezone(UTC)
                slots.append((starts_at, starts_at + SESSION_LENGTH))
        day += timedelta(days=1)
    return slots[: len(COUNTRIES)]


async def create_demo(database: Database, identity: Identity, settings: Settings) -> dict[str, Any]:
    """Find or create the demo event and its people; return the contract's `demo --json`."""
    now = utcnow()
    lifetime = timedelta(days=settings.invitation_days)
    async with database.write() as session:
        event = await _event(session, now)
        sessions = await _sessions(session, event, now)
        moderator = await invite(
            session,
            InvitationRequest(role=Role.MODERATOR, event_id=event.id, name="Moderator, UPR Info"),
            now=now,
            lifetime=lifetime,
        )
        invited: list[Invited] = []
        for country_session in sessions:
            invited += await _session_people(session, event, country_session, now, lifetime)
        missions = await missions_by_country(session)
        summary: dict[str, Any] = {
            "event": event_json(event),
            "sessions": [session_json(item, missions) for item in sessions],
        }
    summary["base_url"] = settings.public_url
    summary["invitations"] = {
        "moderator": identity.invitation_token(moderator.invitation),
        "speakers": [
            _entry(identity, item) for item in invited if item.person.role is Role.SPEAKER
        ],
        "delegates": [
            _entry(identity, item) for item in invited if item.person.role is Role.DELEGATE
        ],
    }
    return summary


def _entry(identity: Identity, invited: Invited) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "token": identity.invitation_token(invited.invitation),
        "session": invited.invitation.country_session_id,
        "name": invited.person.name,
    }
    if invited.organisation is not None:
        entry["organisation"] = invited.organisation.name
    if invited.statement is not None:
        entry["statement"] = invited.statement.id
    if invited.mission is not None:
        entry["mission"] = invited.mission.country
    return entry


async def _event(session: AsyncSession, now: datetime) -> Event:
    event = await session.scalar(select(Event).where(Event.slug == EVENT_SLUG))
    if event is None:
        first_day = (now + timedelta(days=14)).date()
        # The call stays open for a few days after the demo is created (the /apply page takes
        # applications), and statements are due a few days before the first session.
        statement_deadline = datetime.combine(first_day, time(23, 59), GENEVA) - timedelta(days=4)
        event = Event(
            slug=EVENT_SLUG,
            name=EVENT_NAME,
            timezone=GENEVA.key,
            statement_deadline=statement_deadline.astimezone(UTC),
            application_deadline=(statement_deadline - timedelta(days=5)).astimezone(UTC),
            max_statement_seconds=300,
            languages=list(LANGUAGES),
        )
        session.add(event)
        await session.flush()
    return event


async def _sessions(session: AsyncSession, event: Event, now: datetime) -> list[CountrySession]:
    existing = {
        item.country: item
        for item in (
            await session.scalars(select(CountrySession).where(CountrySession.event_id == event.id))
        ).all()
    }
    slots = schedule((now + timedelta(days=14)).date(), GENEVA)
    sessions = []
    for country, (starts_at, ends_at) in zip(COUNTRIES, slots, strict=True):
        country_session = existing.get(country)
        if country_session is None:
            country_session = CountrySession(
                event_id=event.id, country=country, starts_at=starts_at, ends_at=ends_at
            )
            session.add(country_session)
        sessions.append(country_session)
    await session.flush()
    return sessions


async def _session_people(
    session: AsyncSession,
    event: Event,
    country_session: CountrySession,
    now: datetime,
    lifetime: timedelta,
) -> list[Invited]:
    name = country_name(country_session.country)
    requests = [
        InvitationRequest(
            role=Role.SPEAKER,
            event_id=event.id,
            country_session_id=country_session.id,
            organisation_name=pattern.format(name=name),
            organisation_kind=kind,
            organisation_country=country_session.country,
            # The demo's organisations are all based in the country under review.
            organisation_scope=Scope.NATIONAL,
            statement_title=title,
        )
        for kind, pattern, title in SPEAKERS
    ]
    index = COUNTRIES.index(country_session.country)
    others = [OTHER_MISSIONS[(index + step) % len(OTHER_MISSIONS)] for step in range(3)]
    requests += [
        InvitationRequest(
            role=Role.DELEGATE,
            event_id=event.id,
            country_session_id=country_session.id,
            mission_country=mission,
        )
        for mission in (country_session.country, *others)
    ]
    invited = []
    for request in requests:
        invited.append(await invite(session, request, now=now, lifetime=lifetime))
    return invited
