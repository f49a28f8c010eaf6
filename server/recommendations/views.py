"""Recommendations over HTTP: a statement's list (its speaker, organisers), the session's
lists (everyone in it, as they may see them), and a mission's intent to raise one."""

from __future__ import annotations

from aiohttp import web

from server.keys import DATABASE, NOTIFIER
from server.models import Recommendation, utcnow
from server.recommendations import service
from server.recommendations.rules import parse_items
from server.recommendations.themes import THEMES
from server.statements.notify import announce
from server.web.permissions import principal_of, statement_scope_of
from server.web.requests import path_id, read_json_object

routes = web.RouteTableDef()


@routes.get(r"/api/statements/{statement_id:\d+}/recommendations", name="recommendations.get")
async def statement_list(request: web.Request) -> web.Response:
    statement_id = statement_scope_of(request).statement_id
    async with request.app[DATABASE].read() as session:
        items = await service.of_statement(session, statement_id)
    return _statement_answer(statement_id, items)


@routes.put(r"/api/statements/{statement_id:\d+}/recommendations", name="recommendations.put")
async def replace(request: web.Request) -> web.Response:
    """`{"items": [{"id"?, "text", "theme", "previous"?}, ...]}`: the whole list, 1 to 10."""
    items = parse_items((await read_json_object(request)).get("items"))
    statement_id = statement_scope_of(request).statement_id
    async with request.app[DATABASE].write() as session:
        saved, in_review = await service.replace(
            session, statement_id, items, principal_of(request), utcnow()
        )
    if in_review is not None:  # the moderators' pages refresh, as for a new recording
        await announce(request.app[NOTIFIER], in_review)
    return _statement_answer(statement_id, saved)


@routes.delete(r"/api/statements/{statement_id:\d+}/recommendations", name="recommendations.delete")
async def clear(request: web.Request) -> web.Response:
    statement_id = statement_scope_of(request).statement_id
    async with request.app[DATABASE].write() as session:
        in_review = await service.clear(session, statement_id, principal_of(request), utcnow())
    if in_review is not None:
        await announce(request.app[NOTIFIER], in_review)
    return _statement_answer(statement_id, [])


@routes.get(r"/api/sessions/{session_id:\d+}/recommendations", name="recommendations.session")
async def session_list(request: web.Request) -> web.Response:
    async with request.app[DATABASE].read() as session:
        answer = await service.of_session(
            session, path_id(request, "session_id"), principal_of(request)
        )
    return web.json_response(answer)


@routes.put(r"/api/recommendations/{recommendation_id:\d+}/intent", name="recommendations.mark")
async def mark(request: web.Request) -> web.Response:
    """Our mission intends to raise this recommendation (the same again changes nothing)."""
    return await _intent(request, intends=True)


@routes.delete(
    r"/api/recommendations/{recommendation_id:\d+}/intent", name="recommendations.unmark"
)
async def unmark(request: web.Request) -> web.Response:
    return await _intent(request, intends=False)


async def _intent(request: web.Request, *, intends: bool) -> web.Response:
    recommendation_id = path_id(request, "recommendation_id")
    async with request.app[DATABASE].write() as session:
        answer = await service.mark(session, recommendation_id, principal_of(request), intends)
    return web.json_response(answer)


def _statement_answer(statement_id: int, items: list[Recommendation]) -> web.Response:
    return web.json_response(
        {
            "statement": statement_id,
            "items": [service.recommendation_json(item) for item in items],
            "themes": list(THEMES),  # the ids a theme may take, in the order to offer them
        }
    )
