"""The call for applications over HTTP: apply (anyone, before the deadline), review (organisers)."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web
from sqlalchemy import select

from server.applications import service
from server.countries import all_countries, country_name, normalise_country
from server.errors import Invalid
from server.ids import is_id
from server.keys import DATABASE, INVITER
from server.mail.messages import application_received_mail, decision_mail
from server.models import (
    ApplicationChoice,
    CountrySession,
    Decision,
    Event,
    OrganisationKind,
    Scope,
    utcnow,
)
from server.web.permissions import principal_of
from server.web.requests import path_id, read_json_object
from server.wire import choice

routes = web.RouteTableDef()
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")


@routes.get("/api/countries", name="countries")
async def countries(request: web.Request) -> web.Response:
    """The countries an applying organisation may be based in (the form's list)."""
    return web.json_response(
        {"countries": all_countries()}, headers={"Cache-Control": "public, max-age=86400"}
    )


@routes.post("/api/applications", name="applications.submit")
async def submit(request: web.Request) -> web.Response:
    form = parse_form(await read_json_object(request))
    async with request.app[DATABASE].write() as session:
        submitted = await service.submit(session, form, utcnow())
        application = submitted.application
        event = await session.get(Event, application.event_id)
        sessions = sorted(
            (
                await session.scalars(
                    select(ApplicationChoice.country_session_id).where(
                        ApplicationChoice.application_id == application.id
                    )
                )
            ).all()
        )
        countries = (
            await session.scalars(
                select(CountrySession.country).where(CountrySession.id.in_(sessions))
            )
        ).all()
        application_id = application.id
    if not submitted.new:
        # Sent again (a retry, a reload): the first answer, without a second confirmation.
        return web.json_response({"id": application_id, "sessions": sessions, "mailed": None})
    mailed = await request.app[INVITER].send(
        application_received_mail(
            to=form.contact_email,
            name=form.contact_name,
            organisation=form.organisation,
            event=event.name if event else "",
            sessions=[country_name(country, form.language) for country in countries],
            language=form.language,
        ),
    )
    return web.json_response(
        {"id": application_id, "sessions": sessions, "mailed": mailed}, status=201
    )


def parse_form(body: dict[str, Any]) -> service.ApplicationForm:
    """The application in a request body; `Invalid` naming the first field that is wrong."""

    def text(name: str, limit: int) -> str:
        value = body.get(name)
        if not isinstance(value, str) or not value.strip():
            raise Invalid(f"'{name}' is required.", code=f"missing_{name}")
        if len(value.strip()) > limit:
            raise Invalid(f"'{name}' is at most {limit} characters long.", code=f"too_long_{name}")
        return value.strip()

    if body.get("consent") is not True:
        raise Invalid("Please accept the terms to apply.", code="consent_required")
    sessions = body.get("sessions")
    if not isinstance(sessions, list) or not sessions or not all(is_id(s) for s in sessions):
        raise Invalid("Choose at least one country session.", code="missing_sessions")
    email = text("contact_email", 320)
    if not _EMAIL.fullmatch(email):
        raise Invalid(f"{email!r} is not an email address.", code="bad_email")
    language = body.get("language", "en")
    if language not in service.LANGUAGES:
        raise Invalid(
            f"'language' must be one of: {', '.join(service.LANGUAGES)}.", code="bad_language"
        )
    country = body.get("country")
    event = body.get("event")
    if not is_id(event):
        raise Invalid("'event' is the event's id.")
    client_id = body.get("client_id")
    if client_id is not None and (
        not isinstance(client_id, str) or not _CLIENT_ID.fullmatch(client_id)
    ):
        raise Invalid("'client_id' is 8 to 64 letters, digits, '-' or '_'.")
    return service.ApplicationForm(
        event_id=event,
        organisation=text("organisation", 200),
        kind=choice(body.get("kind"), OrganisationKind, "kind", code="bad_kind"),
        scope=choice(body.get("scope"), Scope, "scope", code="bad_scope"),
        country=normalise_country(country) if isinstance(country, str) and country else None,
        sessions=tuple(dict.fromkeys(sessions)),
        contact_name=text("contact_name", 200),
        contact_email=email,
        language=language,
        summary=text("summary", service.MAX_SUMMARY),
        client_id=client_id,
    )


@routes.get(r"/api/sessions/{session_id:\d+}/applications", name="applications.list")
async def list_applications(request: web.Request) -> web.Response:
    async with request.app[DATABASE].read() as session:
        choices = await service.for_session(session, path_id(request, "session_id"))
    return web.json_response({"applications": choices})


@routes.post(r"/api/applications/{application_id:\d+}/review", name="applications.review")
async def review(request: web.Request) -> web.Response:
    """`{"session", "decision": "accepted" | "waitlisted" | "rejected", "message"?}`."""
    principal = principal_of(request)
    body = await read_json_object(request)
    session_id = body.get("session")
    if not is_id(session_id):
        raise Invalid("'session' is the session this decision is for.")
    decision = choice(
        body.get("decision"),
        Decision,
        "decision",
        message="'decision' is accepted, waitlisted or rejected.",
    )
    message = body.get("message")
    if message is not None and (not isinstance(message, str) or len(message) > 2000):
        raise Invalid("'message' is text of at most 2,000 characters.")
    inviter = request.app[INVITER]
    async with request.app[DATABASE].write() as session:
        reviewed = await service.review(
            session,
            principal,
            path_id(request, "application_id"),
            session_id,
            decision,
            message.strip() if message else None,
            now=utcnow(),
            lifetime=inviter.lifetime,
        )
        application = reviewed.choice.application
        country_session = await session.get(CountrySession, session_id)
        event = await session.get(Event, application.event_id)
        result = service.choice_json(reviewed.choice)
    invited = reviewed.invited
    link = inviter.join_link(invited.invitation).url if invited is not None else None
    result["mailed"] = await inviter.send(
        decision_mail(
            to=application.contact_email,
            name=application.contact_name,
            organisation=application.organisation_name,
            event=event.name if event else "",
            session=(
                country_name(country_session.country, application.language)
                if country_session
                else ""
            ),
            decision=decision.value,
            message=result["message"],
            link=link,
            language=application.language,
        ),
    )
    return web.json_response(result)
