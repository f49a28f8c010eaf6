"""The call for applications: organisations apply before the deadline; organisers decide.

Accepting creates the organisation, the speaker and the statement slot (through the one
invitation service, so the session's speaker cap holds) and gives back the invitation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from server.errors import Conflict, Forbidden, Invalid, NotFound
from server.identity.invitations import InvitationRequest, Invited, invite
from server.identity.principal import Principal
from server.languages import LANGUAGES as UN_LANGUAGES
from server.models import (
    Application,
    ApplicationChoice,
    CountrySession,
    Decision,
    Event,
    OrganisationKind,
    Role,
    Scope,
)

# The applicant's working language: one of the six official languages of the United Nations.
LANGUAGES = UN_LANGUAGES
MAX_SUMMARY = 2000


@dataclass(frozen=True)
class ApplicationForm:
    """What an applicant sends, checked."""

    event_id: int
    organisation: str
    kind: OrganisationKind
    scope: Scope
    country: str | None
    sessions: tuple[int, ...]
    contact_name: str
    contact_email: str
    language: str
    summary: str
    client_id: str | None = None


@dataclass(frozen=True)
class Submitted:
    application: Application
    # False when this `client_id` had already sent it: nothing new was recorded.
    new: bool


async def submit(session: AsyncSession, form: ApplicationForm, now: datetime) -> Submitted:
    """Record an application; refused after the event's application deadline. The same
    `client_id` sent again gives back the application it recorded (even after the deadline:
    it was on time), whatever the rest of the form says."""
    # Locked: two sends of one application are answered one after the other.
    event = await session.get(Event, form.event_id, with_for_update=True)
    if event is None:
        raise NotFound("No such event.")
    if form.client_id is not None:
        sent_before = await session.scalar(
            select(Application).where(
                Application.event_id == event.id, Application.client_id == form.client_id
            )
        )
        if sent_before is not None:
            return Submitted(sent_before, new=False)
    if event.application_deadline is not None and now > event.application_deadline:
        raise Conflict(
            f"The call for applications closed on {event.application_deadline.isoformat()} (UTC).",
            code="applications_closed",
        )
    known = set(
        (
            await session.scalars(
                select(CountrySession.id).where(
                    CountrySession.event_id == event.id, CountrySession.id.in_(form.sessions)
                )
            )
        ).all()
    )
    if known != set(form.sessions):
        raise Invalid("One of the sessions chosen is not part of this event.", code="bad_session")
    application = Application(
        event_id=event.id,
        organisation_name=form.organisation,
        kind=form.kind,
        scope=form.scope,
        organisation_country=form.country,
        contact_name=form.contact_name,
        contact_email=form.contact_email,
        language=form.language,
        summary=form.summary,
        client_id=form.client_id,
        created_at=now,
    )
    application.choices = [ApplicationChoice(country_session_id=s) for s in form.sessions]
    session.add(application)
    await session.flush()
    return Submitted(application, new=True)


async def for_session(session: AsyncSession, country_session_id: int) -> list[dict[str, Any]]:
    rows = (
        await session.scalars(
            select(ApplicationChoice)
            .where(ApplicationChoice.country_session_id == country_session_id)
            .options(selectinload(ApplicationChoice.application))
            .order_by(ApplicationChoice.application_id)
        )
    ).all()
    return [choice_json(row) for row in rows]


def choice_json(choice: ApplicationChoice) -> dict[str, Any]:
    application = choice.application
    return {
        "application": application.id,
        "session": choice.country_session_id,
        "organisation": application.organisation_name,
        "kind": application.kind.value,
        "scope": application.scope.value,
        "country": application.organisation_country,
        "contact_name": application.contact_name,
        "contact_email": application.contact_email,
        "language": application.language,
        "summary": application.summary,
        "submitted_at": application.created_at.isoformat(),
        "decision": choice.decision.value,
        "message": choice.message,
        "statement": choice.statement_id,
    }


@dataclass(frozen=True)
class Reviewed:
    choice: ApplicationChoice
    invited: Invited | None


async def review(
    session: AsyncSession,
    principal: Principal,
    application_id: int,
    country_session_id: int,
    decision: Decision,
    message: str | None,
    *,
    now: datetime,
    lifetime: timedelta,
) -> Reviewed:
    """Accept, waitlist or reject an application for one session."""
    if decision is Decision.PENDING:
        raise Invalid("The decision is accepted, waitlisted or rejected.")
    if not principal.may_enter(country_session_id):
        raise Forbidden("You are not an organiser of this session.")
    choice = await session.get(
        ApplicationChoice,
        (application_id, country_session_id),
        options=[selectinload(ApplicationChoice.application)],
    )
    if choice is None:
        raise NotFound("This organisation did not apply for this session.")
    if choice.decision is Decision.ACCEPTED:
        raise Conflict("This application was accepted already.", code="already_accepted")
    application = choice.application
    invited = None
    if decision is Decision.ACCEPTED:
        invited = await invite(
            session,
            InvitationRequest(
                role=Role.SPEAKER,
                event_id=application.event_id,
                country_session_id=country_session_id,
                name=application.contact_name,
                email=application.contact_email,
                organisation_name=application.organisation_name,
                organisation_kind=application.kind,
                organisation_country=application.organisation_country,
                organisation_scope=application.scope,
                statement_language=application.language,
            ),
            now=now,
            lifetime=lifetime,
        )
        assert invited.organisation is not None, "a speaker's invitation has its organisation"
        assert invited.statement is not None, "and a statement slot"
        choice.statement_id = invited.statement.id
    choice.decision, choice.message, choice.decided_at = decision, message, now
    return Reviewed(choice, invited)
