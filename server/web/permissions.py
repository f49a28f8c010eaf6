"""Who may call what: the whole permission map on one screen, applied in one middleware.

Every named route must appear here; the app refuses to start otherwise (deny by default).
`in_session` routes also require the caller to belong to the `{session_id}` in the path;
`in_event` routes, to the `{event_id}` in the path (everyone belongs to exactly one event).
`statement` routes act on one statement, named by `{statement_id}`, by `{upload_id}` (the
upload's statement) or by tus `Upload-Metadata`: the caller must belong to its session
(PARTICIPANT), and to change it be its speaker or an organiser (OWNER). The statement's
scope is resolved once here and handed to the handler (`statement_scope_of`).
Cookie-authenticated requests that change state must come from an allowed origin (CSRF).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from aiohttp import web
from aiohttp.typedefs import Handler
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.errors import BadRequest, Forbidden, NotFound, Unauthenticated
from server.identity.principal import ORGANISER_ROLES, Principal
from server.identity.tokens import SESSION_COOKIE
from server.ids import parse_id
from server.keys import DATABASE, IDENTITY, SETTINGS
from server.models import CountrySession, Event, Role, Statement, Upload
from server.web.requests import upload_metadata

PRINCIPAL = web.RequestKey("principal", Principal)

ANYONE: frozenset[Role] | None = None
SIGNED_IN = frozenset(Role)
ORGANISERS = ORGANISER_ROLES
SPEAKERS = frozenset({Role.SPEAKER}) | ORGANISER_ROLES
DELEGATES = frozenset({Role.DELEGATE})


class StatementAccess(enum.Enum):
    PARTICIPANT = "participant"  # belongs to the statement's session (organisers do)
    OWNER = "owner"  # its speaker, or an organiser


@dataclass(frozen=True)
class Rule:
    roles: frozenset[Role] | None
    in_session: bool = False
    in_event: bool = False
    statement: StatementAccess | None = None


@dataclass(frozen=True)
class StatementScope:
    statement_id: int
    session_id: int
    speaker_id: int | None


PARTICIPANT = StatementAccess.PARTICIPANT
OWNER = StatementAccess.OWNER
STATEMENT_SCOPE = web.RequestKey("statement_scope", StatementScope)


PERMISSIONS: Mapping[str, Rule] = {
    # route name               who may call it
    "home": Rule(ANYONE),
    "page": Rule(ANYONE),
    "client": Rule(ANYONE),
    "healthz": Rule(ANYONE),
    "join": Rule(ANYONE),
    "login": Rule(ANYONE),
    "logout": Rule(SIGNED_IN),
    "me": Rule(SIGNED_IN),
    "sessions.list": Rule(ANYONE),
    "sessions.detail": Rule(SIGNED_IN, in_session=True),
    "sessions.update": Rule(ORGANISERS, in_session=True),
    "events.update": Rule(ORGANISERS, in_event=True),
    "calendar": Rule(ANYONE),
    "applications.submit": Rule(ANYONE),
    "countries": Rule(ANYONE),
    "applications.list": Rule(ORGANISERS, in_session=True),
    # The session is in the body: the applications service checks the organiser's access.
    "applications.review": Rule(ORGANISERS),
    "record": Rule(ORGANISERS, in_session=True),
    "record.csv": Rule(ORGANISERS, in_session=True),
    "record.page": Rule(ORGANISERS, in_session=True),
    "figures": Rule(ORGANISERS, in_event=True),
    "calendar.session": Rule(ANYONE),
    "invitations.create": Rule(ORGANISERS, in_session=True),
    # Socket.IO: every connection and event is checked by the live room (server/live/).
    "live": Rule(ANYONE),
    # The browser's path to Janus: every request is checked again by the stage (server/stage/).
    "stage_janus": Rule(SIGNED_IN),
    "stage_janus_session": Rule(SIGNED_IN),
    "stage_janus_handle": Rule(SIGNED_IN),
    # The overflow (the stage as HLS): the stage's own rule is checked again by its handler.
    "stage.overflow": Rule(SIGNED_IN, in_session=True),
    "uploads.options": Rule(ANYONE),
    "uploads.create": Rule(SPEAKERS, statement=OWNER),
    "uploads.status": Rule(SPEAKERS, statement=OWNER),
    "uploads.append": Rule(SPEAKERS, statement=OWNER),
    "uploads.terminate": Rule(SPEAKERS, statement=OWNER),
    "statements.detail": Rule(SIGNED_IN, statement=PARTICIPANT),
    "statements.review": Rule(ORGANISERS, statement=PARTICIPANT),
    "captions.put": Rule(SPEAKERS, statement=OWNER),
    "statements.consent": Rule(SPEAKERS, statement=OWNER),
    "statements.deadline": Rule(ORGANISERS, statement=PARTICIPANT),
    "recommendations.get": Rule(SPEAKERS, statement=OWNER),
    "recommendations.put": Rule(SPEAKERS, statement=OWNER),
    "recommendations.delete": Rule(SPEAKERS, statement=OWNER),
    "recommendations.session": Rule(SIGNED_IN, in_session=True),
    # The recommendation's session and visibility are checked by the recommendations service.
    "recommendations.mark": Rule(DELEGATES),
    "recommendations.unmark": Rule(DELEGATES),
    "media.file": Rule(SIGNED_IN, statement=PARTICIPANT),
    "media.qa_recording": Rule(SIGNED_IN, in_session=True),
    "playlist": Rule(SIGNED_IN, in_session=True),
    "playlist.order": Rule(ORGANISERS, in_session=True),
    "playlist.m3u8": Rule(SIGNED_IN, in_session=True),
    "playlist.variant": Rule(SIGNED_IN, in_session=True),
}

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def check_map_covers(app: web.Application) -> None:
    """Fail at start-up when a route has no name or no entry in the permission map."""
    for route in app.router.routes():
        name = route.name or (route.resource and route.resource.name)
        if not name or name not in PERMISSIONS:
            raise RuntimeError(f"route {route.method} {route.resource} has no permission rule")


async def authenticate(request: web.Request) -> Principal | None:
    identity = request.app[IDENTITY]
    header = request.headers.get("Authorization", "")
    scheme, _, bearer = header.partition(" ")
    if header:
        if scheme.lower() != "bearer" or not bearer.strip():
            raise Unauthenticated("The Authorization header must be 'Bearer TOKEN'.")
        return await identity.principal(bearer.strip())
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        return await identity.principal(cookie, via_cookie=True)
    return None


def check_origin(request: web.Request, rule: Rule, principal: Principal | None) -> None:
    """Refuse a cross-site request that would act with the visitor's cookie."""
    if request.method in SAFE_METHODS:
        return
    origin = request.headers.get("Origin")
    allowed = request.app[SETTINGS].allowed_origins
    if origin is not None and origin.lower() not in allowed:
        raise Forbidden("Requests from this origin are not allowed.", code="bad_origin")
    acts_as_cookie_holder = (
        rule.roles is not None and principal is not None and principal.via_cookie
    )
    if origin is None and acts_as_cookie_holder:
        raise Forbidden(
            "A request signed in by cookie must carry an Origin header.", code="bad_origin"
        )


@web.middleware
async def enforce_permissions(request: web.Request, handler: Handler) -> web.StreamResponse:
    route = request.match_info.route
    name = route.name or (route.resource.name if route.resource else None)
    if name is None:  # no route matched: let aiohttp answer 404 or 405
        return await handler(request)
    rule = PERMISSIONS[name]
    # Open routes do not need to know the caller (and Socket.IO polls them often).
    principal = await authenticate(request) if rule.roles is not None else None
    check_origin(request, rule, principal)
    if principal is not None:
        request[PRINCIPAL] = principal
    if rule.roles is not None:
        if principal is None:
            raise Unauthenticated("Sign in with your invitation link first (or again: it expired).")
        if principal.role not in rule.roles:
            raise Forbidden("Your role does not allow this.")
    if rule.in_session:
        assert principal is not None, "in_session rules need a signed-in caller"
        session_id = request.match_info.get("session_id", "")
        # A path that cannot name a session falls through to the handler's 404. The programme
        # is public, so telling "no such session" from "not yours" gives nothing away.
        wanted = parse_id(session_id)
        if wanted is not None and not principal.may_enter(wanted):
            async with request.app[DATABASE].read() as session:
                if await session.get(CountrySession, wanted) is None:
                    raise NotFound("No such session.")
            raise Forbidden("You are not a participant of this session.")
    if rule.in_event:
        assert principal is not None, "in_event rules need a signed-in caller"
        await check_event(request, principal)
    if rule.statement is not None:
        assert principal is not None, "statement rules need a signed-in caller"
        request[STATEMENT_SCOPE] = await check_statement(request, principal, rule.statement)
    return await handler(request)


async def check_event(request: web.Request, principal: Principal) -> None:
    """The caller must belong to the `{event_id}` in the path: 404 unknown, 403 another's."""
    event_id = parse_id(request.match_info.get("event_id", ""))
    if event_id is None or event_id == principal.event_id:
        return  # a path that cannot name an event falls through to the handler's 404
    async with request.app[DATABASE].read() as session:
        if await session.get(Event, event_id) is None:
            raise NotFound("No such event.")
    raise Forbidden("You are not an organiser of this event.")


async def check_statement(
    request: web.Request, principal: Principal, access: StatementAccess
) -> StatementScope:
    """The statement the request acts on, if the caller may act on it."""
    scope = await _statement_scope(request)
    if not principal.may_enter(scope.session_id):
        raise Forbidden("You are not a participant of this statement's session.")
    if (
        access is StatementAccess.OWNER
        and not principal.is_organiser
        and principal.person_id != scope.speaker_id
    ):
        raise Forbidden(
            "Only the statement's own speaker (or an organiser) may change it.",
            code="not_your_statement",
        )
    return scope


async def _statement_scope(request: web.Request) -> StatementScope:
    async with request.app[DATABASE].read() as session:
        statement_id = await _statement_id(request, session)
        row = (
            await session.execute(
                select(Statement.country_session_id, Statement.speaker_id).where(
                    Statement.id == statement_id
                )
            )
        ).first()
    if row is None:
        raise NotFound("No such statement.")
    return StatementScope(statement_id, row.country_session_id, row.speaker_id)


async def _statement_id(request: web.Request, session: AsyncSession) -> int:
    raw: str | None = request.match_info.get("statement_id")
    if raw is None and "upload_id" in request.match_info:
        found = await session.scalar(
            select(Upload.statement_id).where(Upload.id == request.match_info["upload_id"])
        )
        if found is None:
            raise NotFound("No such upload.")
        return found
    if raw is None:
        raw = upload_metadata(request.headers.get("Upload-Metadata", "")).get("statement")
        if raw is None:
            raise BadRequest(
                "Upload-Metadata must name the statement ('statement' key).",
                code="statement_required",
            )
    statement_id = parse_id(raw)
    if statement_id is None:
        raise NotFound("No such statement.")
    return statement_id


def statement_scope_of(request: web.Request) -> StatementScope:
    """The statement a `statement` rule resolved for this request."""
    return request[STATEMENT_SCOPE]


def principal_of(request: web.Request) -> Principal:
    """The caller of a route whose rule requires sign-in."""
    if PRINCIPAL not in request:
        raise Unauthenticated("Sign in with your invitation link first.")
    return request[PRINCIPAL]
