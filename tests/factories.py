"""Test data through the real services: an event, two country sessions and their people."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from server.db import Database
from server.identity.invitations import InvitationRequest, Invited, invite
from server.identity.service import Identity
from server.models import (
    CountrySession,
    Event,
    Invitation,
    OrganisationKind,
    Role,
    Scope,
    utcnow,
)


async def invited(session: AsyncSession, *, days: int = 30, **request: Any) -> Invited:
    """One invitation through the real service, valid `days`: `request` is an
    `InvitationRequest`'s fields."""
    return await invite(
        session, InvitationRequest(**request), now=utcnow(), lifetime=timedelta(days=days)
    )


async def event_with_sessions(
    session: AsyncSession, slug: str, name: str, sessions: list[tuple[str, datetime]]
) -> tuple[Event, list[CountrySession]]:
    """An event (Geneva's time zone) and its country sessions, an hour each from their start."""
    event = Event(slug=slug, name=name, timezone="Europe/Zurich")
    session.add(event)
    await session.flush()
    country_sessions = [
        CountrySession(
            event_id=event.id, country=country, starts_at=start, ends_at=start + timedelta(hours=1)
        )
        for country, start in sessions
    ]
    session.add_all(country_sessions)
    await session.flush()
    return event, country_sessions


@dataclass(frozen=True)
class Seed:
    event_id: int
    session_id: int  # Belgium
    other_session_id: int  # Denmark
    tokens: dict[str, str]  # invitation tokens by person label
    statement_id: int


async def seed(database: Database, identity: Identity) -> Seed:
    """Belgium and Denmark sessions; an admin, a moderator, a speaker and delegates."""
    now = utcnow()
    async with database.write() as session:
        start = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)
        event, (belgium, denmark) = await event_with_sessions(
            session,
            "test-event",
            "Test pre-sessions",
            [("BE", start), ("DK", start + timedelta(hours=4))],
        )
        people = {
            "admin": InvitationRequest(role=Role.ADMIN, event_id=event.id, name="Ada Admin"),
            "moderator": InvitationRequest(role=Role.MODERATOR, event_id=event.id, name="Mo"),
            "speaker": InvitationRequest(
                role=Role.SPEAKER,
                event_id=event.id,
                country_session_id=belgium.id,
                organisation_name="Ligue des droits humains",
                organisation_kind=OrganisationKind.CSO,
            ),
            "delegate": InvitationRequest(
                role=Role.DELEGATE,
                event_id=event.id,
                country_session_id=belgium.id,
                mission_country="FR",
            ),
            "other_delegate": InvitationRequest(
                role=Role.DELEGATE,
                event_id=event.id,
                country_session_id=denmark.id,
                mission_country="JP",
            ),
        }
        tokens: dict[str, str] = {}
        statement_id = 0
        for label, request in people.items():
            invited = await invite(session, request, now=now, lifetime=timedelta(days=30))
            tokens[label] = identity.invitation_token(invited.invitation)
            if invited.statement is not None:
                statement_id = invited.statement.id
        return Seed(event.id, belgium.id, denmark.id, tokens, statement_id)


async def expire_invitations(database: Database) -> None:
    """Move every invitation's stored expiry into the past (the signed one stays valid)."""
    async with database.write() as session:
        await session.execute(
            Invitation.__table__.update().values(expires_at=utcnow() - timedelta(seconds=1))
        )


async def add_speaker(
    database: Database, identity: Identity, seed: Seed, organisation: str
) -> tuple[str, int]:
    """Another speaker in the seed's Belgium session: their invitation token and statement."""
    async with database.write() as session:
        invitation = await invited(
            session,
            role=Role.SPEAKER,
            event_id=seed.event_id,
            country_session_id=seed.session_id,
            organisation_name=organisation,
            organisation_kind=OrganisationKind.NHRI,
        )
        assert invitation.statement is not None
        return identity.invitation_token(invitation.invitation), invitation.statement.id


async def add_organisation(
    database: Database,
    event_id: int,
    session_id: int,
    organisation: str,
    kind: OrganisationKind,
    scope: Scope | None,
) -> int:
    """An organisation (of this kind and scope) speaking in a session: its statement slot.

    Inviting the same organisation to a second session gives it a second slot."""
    async with database.write() as session:
        invitation = await invited(
            session,
            role=Role.SPEAKER,
            event_id=event_id,
            country_session_id=session_id,
            organisation_name=organisation,
            organisation_kind=kind,
            organisation_scope=scope,
        )
        assert invitation.statement is not None
        return invitation.statement.id


@dataclass(frozen=True)
class OtherEvent:
    event_id: int
    session_id: int
    admin_token: str  # an invitation for the other event's admin


async def other_event(database: Database, identity: Identity) -> OtherEvent:
    """A second event (one Namibia session, nobody speaking yet) and its admin."""
    async with database.write() as session:
        start = datetime(2031, 3, 4, 9, 0, tzinfo=UTC)
        event, (namibia,) = await event_with_sessions(
            session, "other-event", "Other pre-sessions", [("NA", start)]
        )
        admin = await invited(session, role=Role.ADMIN, event_id=event.id, name="Other Admin")
        token = identity.invitation_token(admin.invitation)
        return OtherEvent(event.id, namibia.id, token)
