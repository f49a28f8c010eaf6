"""`GET /healthz`: the database answers and ffmpeg/ffprobe are installed; how many live `ask`s
this process answered `timeout` since it started (each one is logged as an error); the stage's
Janus."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from server.keys import DATABASE, LIVE_ROOM, STAGE, TOOLS

log = logging.getLogger(__name__)
routes = web.RouteTableDef()


@routes.get("/healthz", name="healthz")
async def healthz(request: web.Request) -> web.Response:
    checks: dict[str, Any] = {}
    try:
        dialect = await request.app[DATABASE].ping()
        checks["database"] = {"ok": True, "dialect": dialect}
    except Exception as error:
        log.warning("health check: database unreachable: %s", error)
        checks["database"] = {"ok": False, "error": "the database does not answer"}
    for tool in await request.app[TOOLS].statuses():
        checks[tool.name] = {"ok": tool.ok, "version": tool.version, "error": tool.error}
    healthy = all(check["ok"] for check in checks.values())
    room = request.app.get(LIVE_ROOM)
    live = {"asks_timed_out": room.asks_timed_out if room is not None else 0}
    # The stage is reported but does not make the server unhealthy: without it, the
    # screening and the written Q&A go on.
    stage = request.app.get(STAGE)
    report = {
        "available": stage is not None and stage.available,
        "reachable": stage is not None and stage.reachable,
    }
    return web.json_response(
        {
            "status": "ok" if healthy else "unhealthy",
            "checks": checks,
            "live_room": live,
            "stage": report,
        },
        status=200 if healthy else 503,
    )
