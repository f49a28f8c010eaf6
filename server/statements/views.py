"""Statements over HTTP: detail, review, captions, the session playlist (JSON and HLS)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from aiohttp import web

from media.captions import to_webvtt
from media.errors import MediaRejected
from server.errors import Invalid, TooLarge
from server.ids import is_id
from server.keys import DATABASE, SETTINGS
from server.statements import playlist as hls
from server.statements import service
from server.statements.recording import caption_path, caption_url
from server.web.permissions import principal_of, statement_scope_of
from server.web.requests import path_id, read_json_object

routes = web.RouteTableDef()
HLS_TYPE = "application/vnd.apple.mpegurl"
PLAYLIST_CACHE = "private, max-age=5"
MAX_CAPTIONS_BYTES = 512 * 1024


@routes.get("/api/statements/{statement_id}", name="statements.detail")
async def detail(request: web.Request) -> web.Response:
    statement_id = statement_scope_of(request).statement_id
    async with request.app[DATABASE].read() as session:
        statement = await service.load(session, statement_id)
    organiser = principal_of(request).is_organiser
    return web.json_response(service.statement_detail(statement, for_organiser=organiser))


@routes.post("/api/statements/{statement_id}/review", name="statements.review")
async def review(request: web.Request) -> web.Response:
    """`{"action": "approve"}`, or `{"action": "reject", "reason": "..."}` for the speaker."""
    body = await read_json_object(request)
    reason = body.get("reason")
    if reason is not None and (not isinstance(reason, str) or len(reason) > 2000):
        raise Invalid("'reason' must be a text of at most 2000 characters.")
    async with request.app[DATABASE].write() as session:
        statement = await service.review(
            session,
            statement_scope_of(request).statement_id,
            str(body.get("action", "")),
            (reason or "").strip() or None,
        )
    return web.json_response(service.statement_detail(statement, for_organiser=True))


@routes.put("/api/statements/{statement_id}/captions/{language}", name="captions.put")
async def put_captions(request: web.Request) -> web.Response:
    """Captions for one language, as WebVTT or SRT in the body; stored as WebVTT."""
    language = request.match_info["language"].lower()
    if not (2 <= len(language) <= 8 and language.replace("-", "").isalpha()):
        raise Invalid("The language must be a code such as 'en', 'fr' or 'pt-br'.")
    raw = await _bounded_body(request, MAX_CAPTIONS_BYTES)
    try:
        vtt = to_webvtt(raw)
    except MediaRejected as rejection:
        raise Invalid(rejection.message, code=rejection.code) from rejection
    statement_id = statement_scope_of(request).statement_id
    path = caption_path(request.app[SETTINGS].media_dir, statement_id, language)
    await asyncio.to_thread(_write_text, path, vtt)
    async with request.app[DATABASE].write() as session:
        statement = await service.load(session, statement_id, lock=True)
        if language not in statement.captions:
            statement.captions = [*statement.captions, language]
    return web.json_response({"language": language, "url": caption_url(statement_id, language)})


@routes.get("/api/sessions/{session_id}/playlist", name="playlist")
async def playlist(request: web.Request) -> web.Response:
    async with request.app[DATABASE].read() as session:
        statements = await service.playlist(session, path_id(request, "session_id"))
    return web.json_response({"items": [service.playlist_item(item) for item in statements]})


@routes.put("/api/sessions/{session_id}/playlist", name="playlist.order")
async def order(request: web.Request) -> web.StreamResponse:
    """`{"statements": [id, ...]}`: every statement of the session in screening order."""
    body = await read_json_object(request)
    order = body.get("statements")
    if not isinstance(order, list) or not all(is_id(item) for item in order):
        raise Invalid("'statements' must be a list of statement ids.")
    country_session_id = path_id(request, "session_id")
    async with request.app[DATABASE].write() as session:
        await service.reorder(session, country_session_id, order)
    return await playlist(request)


@routes.get("/api/sessions/{session_id}/playlist.m3u8", name="playlist.m3u8")
async def playlist_m3u8(request: web.Request) -> web.Response:
    country_session_id = path_id(request, "session_id")
    async with request.app[DATABASE].read() as session:
        statements = await service.playlist(session, country_session_id)
    return _m3u8(hls.session_master(country_session_id, statements))


@routes.get("/api/sessions/{session_id}/playlist/{rendition}.m3u8", name="playlist.variant")
async def playlist_variant(request: web.Request) -> web.Response:
    async with request.app[DATABASE].read() as session:
        statements = await service.playlist(session, path_id(request, "session_id"))
    media_dir = request.app[SETTINGS].media_dir
    return _m3u8(await hls.session_variant(media_dir, statements, request.match_info["rendition"]))


def _m3u8(text: str) -> web.Response:
    return web.Response(
        text=text,
        content_type=HLS_TYPE,
        headers={"Cache-Control": PLAYLIST_CACHE},
    )


async def _bounded_body(request: web.Request, limit: int) -> bytes:
    if request.content_length is not None and request.content_length > limit:
        raise TooLarge(f"The body is larger than {limit // 1024} KB.")
    body = bytearray()
    async for chunk in request.content.iter_chunked(65536):
        body += chunk
        if len(body) > limit:
            raise TooLarge(f"The body is larger than {limit // 1024} KB.")
    return bytes(body)


def _write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)
