"""The programme over HTTP: `GET /api/sessions`, `GET /api/sessions/{id}`, invitations."""

from __future__ import annotations

from collections.abc import Sequence

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.deadlines import parse_deadline
from server.errors import Invalid, NotFound
from server.identity.invitations import InvitationRequest, check_may_invite
from server.keys import DATABASE, INVITER, SETTINGS
from server.languages import LANGUAGES
from server.models import CountrySession, Event, OrganisationKind, Role, Scope
from server.sessions import service
from server.sessions.calendar import programme_calendar
from server.web.permissions import principal_of
from server.web.requests import (
    optional_string,
    path_id,
    read_json_object,
    string_field,
)
from server.wire import choice, is_whole_number

routes = web.RouteTableDef()


@routes.get("/api/sessions", name="sessions.list")
async def list_sessions(request: web.Request) -> web.Response:
    async with request.app[DATABASE].read() as session:
        return web.json_response(await service.programme(session))


@routes.get("/api/sessions.ics", name="calendar")
async def calendar_file(request: web.Request) -> web.Response:
    """The latest event's programme as one calendar."""
    async with request.app[DATABASE].read() as session:
        event = await session.scalar(select(Event).order_by(Event.id.desc()).limit(1))
        if event is None:
            raise NotFound("No event has been scheduled yet.")
        sessions = await _sessions_of(session, event.id)
    return _ics(request, event, sessions, "programme")


# Before `sessions.detail`, whose {session_id} would otherwise take "7.ics".
@routes.get(r"/api/sessions/{session_id:\d+}.ics", name="calendar.session")
async def session_calendar_file(request: web.Request) -> web.Response:
    country_session_id = path_id(request, "session_id")
    async with request.app[DATABASE].read() as session:
        country_session = await session.get(CountrySession, country_session_id)
        if country_session is None:
            raise NotFound("No such session.")
        event = await session.get(Event, country_session.event_id)
        assert event is not None
    return _ics(request, event, [country_session], f"session-{country_session_id}")


def _ics(
    request: web.Request, event: Event, sessions: Sequence[CountrySession], name: str
) -> web.Response:
    body = programme_calendar(event, sessions, request.app[SETTINGS].public_url)
    return web.Response(
        body=body,
        content_type="text/calendar",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.ics"'},
    )


async def _sessions_of(session: AsyncSession, event_id: int) -> Sequence[CountrySession]:
    return (
        await session.scalars(
            select(CountrySession)
            .where(CountrySession.event_id == event_id)
            .order_by(CountrySession.starts_at, CountrySession.id)
        )
    ).all()


@routes.get("/api/sessions/{session_id}", name="sessions.detail")
async def session_detail(request: web.Request) -> web.Response:
    country_session_id = path_id(request, "session_id")
    async with request.app[DATABASE].read() as session:
        return web.json_response(await service.session_detail(session, country_session_id))


@routes.patch("/api/sessions/{session_id}", name="sessions.update")
async def update_session(request: web.Request) -> web.Response:
    """`{"max_speakers": n}`: how many speakers the session takes."""
    country_session_id = path_id(request, "session_id")
    body = await read_json_object(request)
    value = body.get("max_speakers")
    if not is_whole_number(value) or not 1 <= value <= service.MAX_SPEAKERS_LIMIT:
        limit = service.MAX_SPEAKERS_LIMIT
        raise Invalid(f"'max_speakers' is a whole number from 1 to {limit}.")
    async with request.app[DATABASE].write() as session:
        country_session = await service.set_max_speakers(session, country_session_id, value)
        detail = service.session_json(country_session, await service.missions_by_country(session))
    return web.json_response(detail)


@routes.patch(r"/api/events/{event_id:\d+}", name="events.update")
async def update_event(request: web.Request) -> web.Response:
    """`{"application_deadline", "statement_deadline"}`: ISO 8601 with a time zone, or null."""
    event_id = path_id(request, "event_id")
    body = await read_json_object(request)
    if not any(name in body for name in service.DEADLINES):
        raise Invalid("Send 'application_deadline', 'statement_deadline' or both.")
    changes = {name: parse_deadline(body[name], name) for name in service.DEADLINES if name in body}
    async with request.app[DATABASE].write() as session:
        event = await service.set_deadlines(session, event_id, changes)
        result = service.event_json(event)
    return web.json_response(result)


@routes.post("/api/sessions/{session_id}/invitations", name="invitations.create")
async def create_invitation(request: web.Request) -> web.Response:
    """Invite a speaker (`organisation`) or a delegate (`mission`) to this session; with an
    `email`, the link is mailed in `language` (English unless said)."""
    principal = principal_of(request)
    country_session_id = path_id(request, "session_id")
    body = await read_json_object(request)
    role = choice(string_field(body, "role"), Role, "role")
    check_may_invite(principal.role, role)
    language = body.get("language", "en")
    if language not in LANGUAGES:
        raise Invalid(
            f"'language' (of the mail) is one of: {', '.join(LANGUAGES)}.", code="bad_language"
        )
    invitation_request = InvitationRequest(
        role=role,
        event_id=principal.event_id,
        country_session_id=country_session_id,
        name=optional_string(body, "name"),
        email=optional_string(body, "email"),
        mission_country=optional_string(body, "mission"),
        organisation_name=optional_string(body, "organisation"),
        organisation_kind=choice(body.get("kind", "cso"), OrganisationKind, "kind"),
        organisation_country=optional_string(body, "organisation_country"),
        organisation_scope=None
        if body.get("scope") is None
        else choice(body["scope"], Scope, "scope"),
        statement_title=optional_string(body, "title") or "",
    )
    inviter = request.app[INVITER]
    async with request.app[DATABASE].write() as session:
        invited = await inviter.invite(session, invitation_request)
    link = inviter.join_link(invited.invitation)
    mailed = await inviter.mail_invitation(invited, link, language)
    return web.json_response(
        {
            "token": link.token,
            "link": link.url,
            "mailed": mailed,
            "person": invited.person.id,
            "role": role.value,
            "session": country_session_id,
            "statement": invited.statement.id if invited.statement else None,
            "expires_at": invited.invitation.expires_at.isoformat(),
        },
        status=201,
    )
