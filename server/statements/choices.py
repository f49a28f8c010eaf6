"""What a speaker chooses about their statement (publication, their name) and what the
organisers grant one speaker (a later deadline)."""

from __future__ import annotations

from aiohttp import web

from server.deadlines import parse_deadline
from server.errors import Invalid
from server.keys import DATABASE
from server.models import Consent, Statement
from server.web.permissions import statement_scope_of
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
    async with request.app[DATABASE].write() as session:
        statement = await session.get(Statement, statement_scope_of(request).statement_id)
        assert statement is not None, "the permission check found it"
        statement.publication, statement.show_speaker_name = publication, show_name
        if record_live is not None:
            statement.record_live = record_live
    return web.json_response(
        {
            "statement": statement.id,
            "publication": publication.value,
            "show_speaker_name": show_name,
            "record_live": statement.record_live,
        }
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
