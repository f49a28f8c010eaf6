"""The programme over HTTP: `GET /api/sessions`, `GET /api/sessions/{id}`, invitations."""

from __future__ import annotations

from datetime import timedelta
from typing import TypeVar

from aiohttp import web

from server.errors import Invalid
from server.identity.invitations import InvitationRequest, check_may_invite, invite
from server.keys import DATABASE, IDENTITY, SETTINGS
from server.models import OrganisationKind, Role, utcnow
from server.sessions import service
from server.web.permissions import principal_of
from server.web.requests import path_id, read_json_object, string_field

routes = web.RouteTableDef()
_E = TypeVar("_E", Role, OrganisationKind)


@routes.get("/api/sessions", name="sessions.list")
async def list_sessions(request: web.Request) -> web.Response:
    async with request.app[DATABASE].read() as session:
        return web.json_response(await service.programme(session))


@routes.get("/api/sessions/{session_id}", name="sessions.detail")
async def session_detail(request: web.Request) -> web.Response:
    country_session_id = path_id(request, "session_id")
    async with request.app[DATABASE].read() as session:
        return web.json_response(await service.session_detail(session, country_session_id))


@routes.post("/api/sessions/{session_id}/invitations", name="invitations.create")
async def create_invitation(request: web.Request) -> web.Response:
    """Invite a speaker (`organisation`) or a delegate (`mission`) to this session."""
    principal = principal_of(request)
    country_session_id = path_id(request, "session_id")
    body = await read_json_object(request)
    role = _choice(Role, string_field(body, "role"), "role")
    check_may_invite(principal.role, role)
    invitation_request = InvitationRequest(
        role=role,
        event_id=principal.event_id,
        country_session_id=country_session_id,
        name=_optional(body, "name"),
        email=_optional(body, "email"),
        mission_country=_optional(body, "mission"),
        organisation_name=_optional(body, "organisation"),
        organisation_kind=_choice(OrganisationKind, body.get("kind", "cso"), "kind"),
        organisation_country=_optional(body, "organisation_country"),
        statement_title=_optional(body, "title") or "",
    )
    settings = request.app[SETTINGS]
    async with request.app[DATABASE].write() as session:
        invited = await invite(
            session,
            invitation_request,
            now=utcnow(),
            lifetime=timedelta(days=settings.invitation_days),
        )
    token = request.app[IDENTITY].invitation_token(invited.invitation)
    return web.json_response(
        {
            "token": token,
            "link": f"{settings.public_url}/join/{token}",
            "person": invited.person.id,
            "role": role.value,
            "session": country_session_id,
            "statement": invited.statement.id if invited.statement else None,
            "expires_at": invited.invitation.expires_at.isoformat(),
        },
        status=201,
    )


def _optional(body: dict[str, object], name: str) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise Invalid(f"'{name}' must be a string.")
    return value.strip() or None


def _choice(cls: type[_E], value: object, name: str) -> _E:
    try:
        return cls(str(value))
    except ValueError as error:
        choices = ", ".join(member.value for member in cls)
        raise Invalid(f"'{name}' must be one of: {choices}.") from error
