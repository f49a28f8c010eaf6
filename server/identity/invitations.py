"""Inviting people: one idempotent service behind `presession invite`, the demo and the API.

Inviting the same person to the same session again returns the same, still valid invitation
(and so the same link) instead of creating a second one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.countries import country_name, normalise_country
from server.errors import Conflict, Forbidden, Invalid, NotFound
from server.models import (
    CountrySession,
    Invitation,
    Mission,
    Organisation,
    OrganisationKind,
    Person,
    Role,
    Scope,
    SessionAccess,
    Statement,
)

# Who may invite whom (admins may invite anyone).
INVITABLE_BY: dict[Role, frozenset[Role]] = {
    Role.ADMIN: frozenset(Role),
    Role.MODERATOR: frozenset({Role.SPEAKER, Role.DELEGATE}),
}
# An invitation closer than this to its expiry is replaced rather than handed out again.
_REUSE_MARGIN = timedelta(days=1)


@dataclass(frozen=True)
class InvitationRequest:
    role: Role
    event_id: int
    country_session_id: int | None = None
    name: str | None = None
    email: str | None = None
    mission_country: str | None = None
    organisation_name: str | None = None
    organisation_kind: OrganisationKind = OrganisationKind.CSO
    organisation_country: str | None = None
    # National (based in the country under review) or international; None when not said.
    organisation_scope: Scope | None = None
    statement_title: str = ""
    statement_language: str = "en"


@dataclass(frozen=True)
class Invited:
    invitation: Invitation
    person: Person
    statement: Statement | None
    organisation: Organisation | None
    mission: Mission | None


def check_may_invite(inviter: Role, invitee: Role) -> None:
    if invitee not in INVITABLE_BY.get(inviter, frozenset()):
        raise Forbidden(f"A {inviter.value} may not invite a {invitee.value}.")


async def invite(
    session: AsyncSession, request: InvitationRequest, *, now: datetime, lifetime: timedelta
) -> Invited:
    """Create (or find) the person, their access, their statement slot and an invitation."""
    _check_shape(request)
    country_session = await _country_session(session, request)
    mission = await _mission(session, request.mission_country) if request.mission_country else None
    organisation = await _organisation(session, request) if request.organisation_name else None
    person = await _person(session, request, mission, organisation)
    statement = None
    if country_session is not None and request.role in (Role.SPEAKER, Role.DELEGATE):
        await _grant_access(session, person, country_session)
    if country_session is not None and organisation is not None:
        statement = await _statement_slot(session, country_session, organisation, person, request)
    invitation = await _invitation(session, person, country_session, now, lifetime)
    return Invited(invitation, person, statement, organisation, mission)


def _check_shape(request: InvitationRequest) -> None:
    role = request.role
    if role in (Role.SPEAKER, Role.DELEGATE) and request.country_session_id is None:
        raise Invalid(f"A {role.value} is invited to a session: name the session.")
    if role is Role.SPEAKER and (not request.organisation_name or request.mission_country):
        raise Invalid("A speaker belongs to an organisation: name it (and no mission).")
    if role is Role.DELEGATE and (not request.mission_country or request.organisation_name):
        raise Invalid(
            "A delegate belongs to a mission: give its country code (and no organisation)."
        )
    if role in (Role.ADMIN, Role.MODERATOR) and (
        request.mission_country or request.organisation_name
    ):
        raise Invalid(
            f"A {role.value} belongs to the organisers, not to a mission or organisation."
        )
    for text in (request.name, request.organisation_name, request.statement_title):
        if text is not None and len(text) > 200:
            raise Invalid("Names and titles are at most 200 characters long.")
    if request.email is not None and "@" not in request.email:
        raise Invalid(f"{request.email!r} is not an email address.")


async def _country_session(
    session: AsyncSession, request: InvitationRequest
) -> CountrySession | None:
    if request.country_session_id is None:
        return None
    # Locks the session row on PostgreSQL; on SQLite the write transaction already holds
    # the database lock. Either way, two invitations cannot take the same playlist position.
    country_session = await session.scalar(
        select(CountrySession)
        .where(CountrySession.id == request.country_session_id)
        .with_for_update()
    )
    if country_session is None or country_session.event_id != request.event_id:
        raise NotFound(f"No session {request.country_session_id} in this event.")
    return country_session


async def _mission(session: AsyncSession, code: str) -> Mission:
    country = normalise_country(code)
    mission = await session.scalar(select(Mission).where(Mission.country == country))
    if mission is None:
        mission = Mission(country=country, name=f"Permanent Mission of {country_name(country)}")
        session.add(mission)
        await session.flush()
    return mission


async def _organisation(session: AsyncSession, request: InvitationRequest) -> Organisation:
    name = (request.organisation_name or "").strip()
    organisation = await session.scalar(select(Organisation).where(Organisation.name == name))
    if organisation is None:
        country = request.organisation_country
        organisation = Organisation(
            name=name,
            kind=request.organisation_kind,
            country=normalise_country(country) if country else None,
            scope=request.organisation_scope,
        )
        session.add(organisation)
        await session.flush()
    elif request.organisation_scope is not None:
        # The latest word on where the organisation works is the organisers' (or the accepted
        # application's); its name and kind are those it was first invited with.
        organisation.scope = request.organisation_scope
    return organisation


async def _person(
    session: AsyncSession,
    request: InvitationRequest,
    mission: Mission | None,
    organisation: Organisation | None,
) -> Person:
    name = (request.name or "").strip() or _default_name(request.role, mission, organisation)
    person = await session.scalar(
        select(Person).where(
            Person.event_id == request.event_id,
            Person.role == request.role,
            Person.name == name,
            Person.mission_id == (mission.id if mission else None),
            Person.organisation_id == (organisation.id if organisation else None),
        )
    )
    if person is None:
        person = Person(
            event_id=request.event_id,
            name=name,
            email=request.email,
            role=request.role,
            mission_id=mission.id if mission else None,
            organisation_id=organisation.id if organisation else None,
        )
        session.add(person)
        await session.flush()
    return person


def _default_name(role: Role, mission: Mission | None, organisation: Organisation | None) -> str:
    if mission is not None:
        return f"Delegate of {country_name(mission.country)}"
    if organisation is not None:
        return f"Speaker for {organisation.name}"
    return role.value.capitalize()


async def _grant_access(
    session: AsyncSession, person: Person, country_session: CountrySession
) -> None:
    if await session.get(SessionAccess, (person.id, country_session.id)) is None:
        session.add(SessionAccess(person_id=person.id, country_session_id=country_session.id))
        await session.flush()


async def _statement_slot(
    session: AsyncSession,
    country_session: CountrySession,
    organisation: Organisation,
    person: Person,
    request: InvitationRequest,
) -> Statement:
    statement = await session.scalar(
        select(Statement).where(
            Statement.country_session_id == country_session.id,
            Statement.organisation_id == organisation.id,
        )
    )
    if statement is not None:
        return statement
    count, last = (
        await session.execute(
            select(func.count(Statement.id), func.max(Statement.position)).where(
                Statement.country_session_id == country_session.id
            )
        )
    ).one()
    if count >= country_session.max_speakers:
        raise Conflict(
            f"This session already has {count} speakers, its limit.", code="speaker_limit"
        )
    statement = Statement(
        country_session_id=country_session.id,
        organisation_id=organisation.id,
        speaker_id=person.id,
        title=request.statement_title,
        language=request.statement_language,
        position=(last or 0) + 1,
    )
    session.add(statement)
    await session.flush()
    return statement


async def _invitation(
    session: AsyncSession,
    person: Person,
    country_session: CountrySession | None,
    now: datetime,
    lifetime: timedelta,
) -> Invitation:
    session_id = country_session.id if country_session else None
    invitation = await session.scalar(
        select(Invitation)
        .where(
            Invitation.person_id == person.id,
            Invitation.country_session_id.is_(None)
            if session_id is None
            else Invitation.country_session_id == session_id,
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > now + _REUSE_MARGIN,
        )
        .order_by(Invitation.expires_at.desc())
        .limit(1)
    )
    if invitation is None:
        invitation = Invitation(
            person_id=person.id, country_session_id=session_id, expires_at=now + lifetime
        )
        session.add(invitation)
        await session.flush()
    return invitation
