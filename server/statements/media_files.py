"""Serving a statement's media to the people of its session: right types, Range, caching.

Paths are matched against an allow-list of what the pipeline writes, never joined blindly.
Rendition directories are versioned (`vN`), so their files never change: cached for a year.
Playlists are cached briefly, captions (replaceable in place) for a minute.

Behind nginx (`PRESESSION_MEDIA_ACCEL`, deploy/nginx.conf) the rights are checked here as
always, and the answer is an empty one with `X-Accel-Redirect`: nginx then sends the file from
an `internal` location (Range, sendfile), so no media URL works without our check.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from aiohttp import web

from server.errors import NotFound
from server.ids import parse_id
from server.keys import SETTINGS
from server.web.permissions import statement_scope_of

routes = web.RouteTableDef()

ALLOWED = re.compile(
    r"^(?:v\d{1,9}/(?:master\.m3u8|poster\.jpg|statement\.mp4"
    r"|[a-z0-9]{1,16}/(?:index\.m3u8|seg_\d{3,6}\.ts))"
    r"|captions/[a-z-]{2,8}\.vtt)$"
)
TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".ts": "video/mp2t",
    ".mp4": "video/mp4",
    ".jpg": "image/jpeg",
    ".vtt": "text/vtt; charset=utf-8",
}
LONG_CACHE = "private, max-age=31536000, immutable"
CACHE = {".m3u8": "private, max-age=5", ".vtt": "private, max-age=60"}


@routes.get("/media/statements/{statement_id}/{path:.+}", name="media.file")
async def media_file(request: web.Request) -> web.StreamResponse:
    relative = request.match_info["path"]
    if not ALLOWED.match(relative):
        raise NotFound("No such file.")
    statement_id = statement_scope_of(request).statement_id
    return await _send(request, f"statements/{statement_id}", relative)


# The Q&A recording of a session (server/stage/recording.py): its ladder, download and poster.
QA_ALLOWED = re.compile(
    r"^v\d{1,9}/(?:master\.m3u8|poster\.jpg|statement\.mp4"
    r"|[a-z0-9]{1,16}/(?:index\.m3u8|seg_\d{3,6}\.ts))$"
)


@routes.get(r"/media/sessions/{session_id:\d+}/qa/{path:.+}", name="media.qa_recording")
async def qa_recording_file(request: web.Request) -> web.StreamResponse:
    """For the session's participants and its organisers (the permission map checks it)."""
    relative = request.match_info["path"]
    session_id = parse_id(request.match_info["session_id"])
    if session_id is None or not QA_ALLOWED.match(relative):
        raise NotFound("No such file.")
    return await _send(request, f"sessions/{session_id}/qa", relative)


async def _send(request: web.Request, folder: str, relative: str) -> web.StreamResponse:
    path = request.app[SETTINGS].media_dir / folder / relative
    if not await asyncio.to_thread(path.is_file):
        raise NotFound("No such file.")
    suffix = Path(relative).suffix
    headers = {"Content-Type": TYPES[suffix], "Cache-Control": CACHE.get(suffix, LONG_CACHE)}
    accel = request.app[SETTINGS].media_accel
    if accel is not None:
        headers["X-Accel-Redirect"] = f"{accel}/{folder}/{relative}"
        return web.Response(headers=headers)
    return web.FileResponse(path, headers=headers)
