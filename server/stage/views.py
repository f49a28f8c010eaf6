"""The stage on the app: Janus started (or reached), the reconcile round, the browser's path."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator

from aiohttp import web

from media import live_hls
from server.errors import NotFound
from server.identity.principal import Principal
from server.identity.tokens import SESSION_COOKIE
from server.ids import parse_id
from server.keys import DATABASE, JOBS, LIVE_ROOM, SETTINGS, STAGE
from server.periodic import every
from server.stage import process
from server.stage.config import stage_config
from server.stage.janus import JanusClient, JanusError
from server.stage.overflow import Gate
from server.stage.proxy import PATHS, JanusProxy
from server.stage.service import Stage
from server.web.permissions import PRINCIPAL

log = logging.getLogger(__name__)
PROXY = web.AppKey("stage_proxy", JanusProxy)
JANUS_PROCESS = web.AppKey("janus_process", process.JanusProcess)
OVERFLOW_GATE = web.AppKey("stage_overflow_gate", Gate)
OVERFLOW_FILES = re.compile(
    rf"^(?:{live_hls.PICTURE}|{live_hls.SOUND})/(?:{re.escape(live_hls.PLAYLIST)}|seg_\d{{6,9}}\.ts)$"
)
OVERFLOW_CACHE = {".m3u8": "private, no-cache", ".ts": "private, max-age=60"}
OVERFLOW_TYPES = {".m3u8": "application/vnd.apple.mpegurl", ".ts": "video/mp2t"}
_MAX_ID = 2**63 - 1
_READY_S = 10.0


def mount_stage(app: web.Application) -> None:
    """Routes now; Janus, the stage service and its rounds with the app (after the live room)."""
    app.router.add_resource(PATHS[0], name="stage_janus").add_route("POST", _root)
    session = app.router.add_resource(PATHS[1], name="stage_janus_session")
    session.add_route("GET", _session)
    session.add_route("POST", _session)
    app.router.add_resource(PATHS[2], name="stage_janus_handle").add_route("POST", _handle)
    app.router.add_resource("/media/stage/{session_id}/{path:.+}", name="stage.overflow").add_route(
        "GET", _overflow_file
    )
    app.cleanup_ctx.append(_lifecycle)
    # Before the server waits for the requests in flight: a held long poll would keep a
    # stopping server waiting for up to 30 s.
    app.on_shutdown.append(_end_long_polls)


async def end_stage_sign_in(app: web.Application, token: str) -> None:
    """A sign-out: the Janus sessions it holds in this process end at once (others' at their
    next check of sign-ins)."""
    if PROXY in app:
        await app[PROXY].end_sign_in(token)


async def _end_long_polls(app: web.Application) -> None:
    if PROXY in app:
        await app[PROXY].close()


async def _lifecycle(app: web.Application) -> AsyncIterator[None]:
    settings, database, room = app[SETTINGS], app[DATABASE], app[LIVE_ROOM]
    config = await asyncio.to_thread(stage_config, settings)
    janus = None
    if config is not None and config.managed is not None:
        binary = process.installed()
        assert binary is not None, "stage_config checked it"
        janus = process.JanusProcess(config.managed, binary)
        await janus.start()
        await _wait_ready(config.janus_url, config.api_secret)
    stage = Stage(database, config, room.write)
    app[OVERFLOW_GATE] = Gate(database)
    room.stage_available = stage.available
    app[STAGE] = stage
    if janus is not None:
        app[JANUS_PROCESS] = janus
    proxy = JanusProxy(stage, database, config.janus_url if config else "http://127.0.0.1:1")
    app[PROXY] = proxy
    stage.on_removed = proxy.end_person
    stage.on_publishing = proxy.sync_recording
    stage.jobs = app[JOBS]
    room.on_stage_change = stage.wake
    tasks = []
    if stage.available:
        tasks.append(asyncio.create_task(stage.run(), name="stage-reconcile"))
        tasks.append(
            asyncio.create_task(
                every(settings.sign_in_check_seconds, proxy.sweep, "checking stage sign-ins"),
                name="stage-sign-ins",
            )
        )
    else:
        log.info("stage: not available (no Janus installed or configured)")
    yield
    for task in tasks:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    await proxy.close()
    await stage.close()
    if janus is not None:
        await janus.stop()


async def _wait_ready(url: str, api_secret: str) -> None:
    client = JanusClient(url, api_secret)
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + _READY_S
        while loop.time() < deadline:
            try:
                await client.info()
                return
            except JanusError:
                await asyncio.sleep(0.1)
        log.warning("stage: Janus did not answer within %.0f s; the stage will retry", _READY_S)
    finally:
        await client.close()


def _principal(request: web.Request) -> tuple[Principal, str]:
    principal = request[PRINCIPAL]
    header = request.headers.get("Authorization", "")
    token = header.partition(" ")[2].strip() if header else request.cookies.get(SESSION_COOKIE, "")
    return principal, token


def _number(request: web.Request, name: str) -> int:
    raw = request.match_info[name]
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 19 or int(raw) > _MAX_ID:
        raise web.HTTPNotFound()
    return int(raw)


async def _root(request: web.Request) -> web.Response:
    principal, token = _principal(request)
    return await request.app[PROXY].root(request, principal, token)


async def _session(request: web.Request) -> web.Response:
    principal, _ = _principal(request)
    return await request.app[PROXY].session(request, principal, _number(request, "janus_session"))


async def _handle(request: web.Request) -> web.Response:
    principal, _ = _principal(request)
    return await request.app[PROXY].handle(
        request, principal, _number(request, "janus_session"), _number(request, "handle")
    )


async def _overflow_file(request: web.Request) -> web.StreamResponse:
    """A file of a session's overflow (the stage as HLS), to whoever may watch that stage."""
    session_id = parse_id(request.match_info["session_id"])
    relative = request.match_info["path"]
    if session_id is None or not OVERFLOW_FILES.match(relative):
        raise NotFound("No such file.")
    stage = request.app[STAGE]
    if not stage.overflow.available:
        raise NotFound("This server has no overflow for the stage.")
    if not await request.app[OVERFLOW_GATE].may_watch(request[PRINCIPAL], session_id):
        raise NotFound("The stage of this session is not live for you now.")
    path = stage.overflow.folder_of(session_id) / relative
    if not await asyncio.to_thread(path.is_file):
        raise NotFound("No such file (yet).")
    suffix = path.suffix
    headers = {"Content-Type": OVERFLOW_TYPES[suffix], "Cache-Control": OVERFLOW_CACHE[suffix]}
    return web.FileResponse(path, headers=headers)
