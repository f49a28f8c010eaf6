"""`GET /healthz`: the database, Redis (when configured), ffmpeg/ffprobe, the job queue's
depth; how many live `ask`s this process answered `timeout` since it started (each one is
logged as an error); the stage's Janus (reported, never unhealthy)."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from server.jobs import job_counts
from server.keys import DATABASE, LIVE_ROOM, SETTINGS, STAGE, TOOLS

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
    settings = request.app[SETTINGS]
    if settings.redis_url:
        checks["redis"] = await redis_check(settings.redis_url)
    try:
        # Waiting and running jobs of every runner; `here`: how many this process runs at once.
        depth = await job_counts(request.app[DATABASE])
        checks["jobs"] = {"ok": True, **depth, "here": settings.job_concurrency}
    except Exception as error:
        log.warning("health check: job queue unreadable: %s", error)
        checks["jobs"] = {"ok": False, "error": "the job queue cannot be read"}
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


async def redis_check(url: str) -> dict[str, Any]:
    import redis.asyncio as redis

    connection = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
    try:
        await connection.ping()
    except (OSError, redis.RedisError) as error:
        return {"ok": False, "error": f"Redis does not answer: {error}"}
    finally:
        await connection.aclose()
    return {"ok": True}
