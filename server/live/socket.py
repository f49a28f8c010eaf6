"""The Socket.IO server: built from settings, mounted on the app, started and stopped with it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

import socketio
from aiohttp import web
from sqlalchemy import select

from server.keys import ATTENDANCE, BROADCASTER, CONNECTIONS, DATABASE, LIVE_ROOM, SETTINGS
from server.live.attendance import HEARTBEAT_S, AttendanceRegister
from server.live.broadcast import NAMESPACE, Broadcaster
from server.live.connections import SignedInConnections
from server.live.namespace import LiveNamespace
from server.live.room import LiveRoom
from server.models import CountrySession
from server.settings import Settings

SOCKETIO_PATH = "/socket.io/"
log = logging.getLogger(__name__)


def client_manager(settings: Settings) -> socketio.AsyncManager:
    """In-process rooms by default; Redis pub/sub when several server processes share a room."""
    if settings.redis_url:
        return socketio.AsyncRedisManager(settings.redis_url, channel=settings.redis_channel)
    return socketio.AsyncManager()


def mount_live_room(app: web.Application) -> None:
    settings = app[SETTINGS]
    sio = socketio.AsyncServer(
        async_mode="aiohttp",
        client_manager=client_manager(settings),
        cors_allowed_origins=list(settings.allowed_origins),
        cors_credentials=True,
        max_http_buffer_size=settings.max_socket_message_bytes,
        logger=False,
        engineio_logger=False,
    )
    events: dict[int, int | None] = {}

    async def event_of(session_id: int) -> int | None:
        # A session never moves to another event: one lookup each.
        if session_id not in events:
            async with app[DATABASE].read() as session:
                events[session_id] = await session.scalar(
                    select(CountrySession.event_id).where(CountrySession.id == session_id)
                )
        return events[session_id]

    broadcaster = Broadcaster(sio, event_of)
    app[BROADCASTER] = broadcaster

    async def disconnect(sid: str) -> None:
        await sio.disconnect(sid, namespace=NAMESPACE)

    namespace = LiveNamespace(app, broadcaster)
    sio.register_namespace(namespace)
    # Mounted by hand (not `sio.attach`) so the route has a name in the permission map; the
    # namespace authenticates every connection and checks every event itself.
    for method in ("GET", "POST", "OPTIONS"):
        app.router.add_route(method, SOCKETIO_PATH, sio.handle_request, name="live")

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        room = LiveRoom(app[DATABASE], settings, broadcaster.session_changed)
        attendance = AttendanceRegister(app[DATABASE], shared=settings.redis_url is not None)
        await attendance.start()
        app[LIVE_ROOM], app[ATTENDANCE] = room, attendance
        connections = SignedInConnections(app[DATABASE])
        connections.bind(disconnect, namespace.sign_ins)
        app[CONNECTIONS] = connections

        async def beat() -> None:
            # Say this process is alive; close the stays of processes that stopped saying so.
            await attendance.heartbeat()
            await attendance.sweep()

        background = [
            asyncio.create_task(every(HEARTBEAT_S, beat, "attendance heartbeat")),
            # Sign-ins that ended in another process, or expired (a sign-out here is at once).
            asyncio.create_task(
                every(settings.sign_in_check_seconds, connections.sweep, "checking sign-ins")
            ),
        ]
        yield
        for task in background:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await room.close()
        await sio.shutdown()
        await attendance.stop()

    app.cleanup_ctx.append(lifecycle)


async def every(seconds: float, work: Callable[[], Awaitable[object]], what: str) -> None:
    """Run `work` every `seconds` while the server runs; a failure (a database hiccup) is
    logged and the next round comes all the same."""
    while True:
        await asyncio.sleep(seconds)
        try:
            await work()
        except Exception:
            log.exception("live room: %s failed", what)
