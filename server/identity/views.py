"""Signing in and out: `POST /api/login`, `GET /join/TOKEN`, `GET /api/me`."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from server.errors import PresessionError
from server.identity.principal import Principal
from server.identity.service import SignedIn
from server.identity.tokens import SESSION_COOKIE
from server.keys import DATABASE, IDENTITY, SETTINGS
from server.models import Person, Role
from server.web.permissions import principal_of
from server.web.requests import read_json_object, string_field

routes = web.RouteTableDef()


def landing_page(role: Role, session_id: int | None) -> str:
    """Where a browser goes after following its invitation link."""
    if role in (Role.ADMIN, Role.MODERATOR):
        return "/moderator"
    if role is Role.SPEAKER:
        return "/speaker"
    return f"/sessions/{session_id}" if session_id is not None else "/"


def person_json(person: Person, session_ids: frozenset[int] | None = None) -> dict[str, Any]:
    organisation = person.organisation
    mission = person.mission
    return {
        "id": person.id,
        "name": person.name,
        "role": person.role.value,
        "event": person.event_id,
        "organisation": None
        if organisation is None
        else {"id": organisation.id, "name": organisation.name, "kind": organisation.kind.value},
        "mission": None
        if mission is None
        else {"id": mission.id, "country": mission.country, "name": mission.name},
        "sessions": None if session_ids is None else sorted(session_ids),
    }


def _set_cookie(request: web.Request, response: web.StreamResponse, signed_in: SignedIn) -> None:
    settings = request.app[SETTINGS]
    response.set_cookie(
        SESSION_COOKIE,
        signed_in.bearer,
        max_age=settings.login_days * 86400,
        path="/",
        httponly=True,
        samesite="Lax",
        secure=settings.secure_cookies,
    )


@routes.post("/api/login", name="login")
async def login(request: web.Request) -> web.Response:
    body = await read_json_object(request)
    invitation = string_field(body, "invitation", max_length=512)
    signed_in = await request.app[IDENTITY].sign_in(invitation)
    response = web.json_response(
        {
            "token": signed_in.bearer,
            "expires_at": signed_in.expires_at.isoformat(),
            "me": person_json(signed_in.person),
            "landing": landing_page(signed_in.person.role, signed_in.landing_session_id),
        }
    )
    _set_cookie(request, response, signed_in)
    return response


@routes.get("/join/{token}", name="join")
async def join(request: web.Request) -> web.StreamResponse:
    try:
        signed_in = await request.app[IDENTITY].sign_in(request.match_info["token"])
    except PresessionError as error:
        return web.Response(
            status=401,
            text=_JOIN_FAILED.replace("MESSAGE", error.message),  # our own fixed messages
            content_type="text/html",
        )
    location = landing_page(signed_in.person.role, signed_in.landing_session_id)
    response = web.Response(status=303, headers={"Location": location})
    _set_cookie(request, response, signed_in)
    return response


@routes.post("/api/logout", name="logout")
async def logout(request: web.Request) -> web.Response:
    bearer = request.cookies.get(SESSION_COOKIE)
    header = request.headers.get("Authorization", "")
    if header:
        bearer = header.partition(" ")[2].strip()
    if bearer:
        # Its open live and stage connections end with it (see `create_app`).
        await request.app[IDENTITY].sign_out(bearer)
    response = web.json_response({"ok": True})
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


@routes.get("/api/me", name="me")
async def me(request: web.Request) -> web.Response:
    principal: Principal = principal_of(request)
    async with request.app[DATABASE].read() as session:
        person = await session.get(Person, principal.person_id)
        assert person is not None, "a signed-in person exists"
        await session.refresh(person, ["organisation", "mission"])
    return web.json_response(person_json(person, principal.session_ids))


_JOIN_FAILED = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Presession: invitation</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/static/style.css"></head>
<body><main class="notice"><h1>We could not sign you in</h1><p>MESSAGE</p>
<p><a href="/">Go to the programme</a></p></main></body></html>
"""
