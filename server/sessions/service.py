"""Reading the programme: events, their country sessions and statement slots."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from server.countries import country_name
from server.errors import Conflict, Invalid, NotFound
from server.models import CountrySession, Event, Mission, Statement
from server.times import iso

MAX_SPEAKERS_LIMIT = 50


def event_json(event: Event) -> dict[str, Any]:
    return {
        "id": event.id,
        "slug": event.slug,
        "name": event.name,
        "timezone": event.timezone,
        "application_deadline": iso(event.application_deadline),
        "statement_deadline": iso(event.statement_deadline),
        "max_statement_seconds": event.max_statement_seconds,
        "languages": event.languages,
    }


def session_json(country_session: CountrySession, missions: dict[str, Mission]) -> dict[str, Any]:
    mission = missions.get(country_session.country)
    name = country_name(country_session.country)
    return {
        "id": country_session.id,
        "event": country_session.event_id,
        "country": country_session.country,
        "country_name": name,
        "state_under_review": {
            "country": country_session.country,
            "name": name,
            "mission": None if mission is None else mission.id,
        },
        "starts_at": country_session.starts_at.isoformat(),
        "ends_at": country_session.ends_at.isoformat(),
        "phase": country_session.phase.value,
        "max_speakers": country_session.max_speakers,
    }


def statement_json(statement: Statement) -> dict[str, Any]:
    return {
        "id": statement.id,
        "session": statement.country_session_id,
        "position": statement.position,
        "organisation": {
            "id": statement.organisation.id,
            "name": statement.organisation.name,
            "kind": statement.organisation.kind.value,
        },
        "title": statement.title,
        "language": statement.language,
        "state": statement.state.value,
        "review": statement.review.value,
    }


async def programme(session: AsyncSession) -> dict[str, Any]:
    """Every event and its country sessions, in start order."""
    events = (await session.scalars(select(Event).order_by(Event.id))).all()
    sessions = (
        await session.scalars(
            select(CountrySession).order_by(CountrySession.starts_at, CountrySession.id)
        )
    ).all()
    missions = await missions_by_country(session)
    return {
        "events": [event_json(event) for event in events],
        "sessions": [session_json(item, missions) for item in sessions],
    }


async def session_detail(session: AsyncSession, country_session_id: int) -> dict[str, Any]:
    """One country session with its event and its statement slots in playlist order."""
    country_session = await session.get(
        CountrySession,
        country_session_id,
        options=[
            selectinload(CountrySession.event),
            selectinload(CountrySession.statements).selectinload(Statement.organisation),
        ],
    )
    if country_session is None:
        raise NotFound("No such session.")
    detail = session_json(country_session, await missions_by_country(session))
    detail["event"] = event_json(country_session.event)
    detail["statements"] = [statement_json(item) for item in country_session.statements]
    return detail


async def missions_by_country(session: AsyncSession) -> dict[str, Mission]:
    return {mission.country: mission for mission in (await session.scalars(select(Mission))).all()}


async def set_max_speakers(
    session: AsyncSession, country_session_id: int, value: int
) -> CountrySession:
    """Change a session's speaker cap (1 to `MAX_SPEAKERS_LIMIT`); never below the speakers
    it already has."""
    # Locked like an invitation does, so a cap cannot drop under a speaker being added.
    country_session = await session.get(CountrySession, country_session_id, with_for_update=True)
    if country_session is None:
        raise NotFound("No such session.")
    speakers = await session.scalar(
        select(func.count())
        .select_from(Statement)
        .where(Statement.country_session_id == country_session_id)
    )
    if speakers and value < speakers:
        raise Conflict(
            f"This session already has {speakers} speakers: the cap cannot be lower.",
            code="below_speakers",
        )
    country_session.max_speakers = value
    return country_session


DEADLINES = ("application_deadline", "statement_deadline")


async def set_deadlines(
    session: AsyncSession, event_id: int, changes: dict[str, datetime | None]
) -> Event:
    """Change the event's deadlines named in `changes` (of `DEADLINES`; None for none)."""
    event = await session.get(Event, event_id, with_for_update=True)
    if event is None:
        raise NotFound("No such event.")
    chosen = {
        name: changes[name] if name in changes else getattr(event, name) for name in DEADLINES
    }
    applications, statements = chosen["application_deadline"], chosen["statement_deadline"]
    if applications and statements and statements < applications:
        raise Invalid("Statements cannot be due before the call for applications closes.")
    event.application_deadline, event.statement_deadline = applications, statements
    return event
