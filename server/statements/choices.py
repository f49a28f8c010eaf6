"""What a speaker chooses about their statement (publication, their name) and what the
organisers grant one speaker (a later deadline)."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from server.deadlines import parse_deadline
from server.errors import Conflict, Forbidden, Invalid
from server.identity.principal import Principal
from server.keys import DATABASE
from server.models import Consent, CountrySession, Phase, Statement
from server.web.permissions import StatementScope, principal_of, statement_scope_of
from server.web.requests import read_json_object

routes = web.RouteTableDef()


@routes.put(r"/api/statements/{statement_id:\d+}/consent", name="statements.consent")
async def consent(request: web.Request) -> web.Response:
    """`{"publication": "public" | "participants" | "none", "show_speaker_name": bool,
    "record_live"?: bool}` (`record_live`: may the live answers on the stage be recorded;
    left as it is when absent)."""
    body = await read_json_object(request)
    try:
        publication = Consent(str(body.get("publication")))
    except ValueError as error:
        raise Invalid("'publication' is public, participants or none.") from error
    show_name = body.get("show_speaker_name")
    if not isinstance(show_name, bool):
        raise Invalid("'show_speaker_name' is true or false.")
    record_live = body.get("record_live")
    if record_live is not None and not isinstance(record_live, bool):
        raise Invalid("'record_live' is true or false.")
    scope = statement_scope_of(request)
    async with request.app[DATABASE].write() as session:
        statement = await session.get(Statement, scope.statement_id)
        assert statement is not None, "the permission check found it"
        if record_live is not None and record_live != statement.record_live:
            await _may_change_recording(session, scope, principal_of(request), record_live)
            statement.record_live = record_live
        statement.publication, statement.show_speaker_name = publication, show_name
    return web.json_response(
        {
            "statement": statement.id,
            "publication": publication.value,
            "show_speaker_name": show_name,
            "record_live": statement.record_live,
        }
    )


async def _may_change_recording(
    session: AsyncSession, scope: StatementScope, principal: Principal, record_live: bool
) -> None:
    """Only the speaker agrees to be recorded (an organiser may only withdraw it, on their
    word); and the choice is fixed once the session closes, when the recording is made."""
    if record_live and principal.person_id != scope.speaker_id:
        raise Forbidden(
            "Only the speaker can agree to their live answers being recorded.",
            code="speaker_only",
        )
    room = await session.get(CountrySession, scope.session_id)
    if room is not None and room.phase is Phase.CLOSED:
        raise Conflict(
            "The session is closed: its Q&A recording is made from the choices at its close.",
            code="session_closed",
        )


@routes.put(r"/api/statements/{statement_id:\d+}/deadline", name="statements.deadline")
async def extend_deadline(request: web.Request) -> web.Response:
    """`{"until": ISO 8601 with a time zone}` or `{"until": null}` to fall back to the event's."""
    body = await read_json_object(request)
    until = parse_deadline(body.get("until"), "until")
    async with request.app[DATABASE].write() as session:
        statement = await session.get(Statement, statement_scope_of(request).statement_id)
        assert statement is not None, "the permission check found it"
        statement.deadline = until
    return web.json_response(
        {"statement": statement.id, "deadline": until.isoformat() if until else None}
    )
