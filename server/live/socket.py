"""The Socket.IO server: built from settings, mounted on the app, started and stopped with it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import socketio
from aiohttp import web

from server.keys import (
    ATTENDANCE,
    BROADCASTER,
    CONNECTIONS,
    DATABASE,
    IDENTITY,
    LIVE_ROOM,
    SETTINGS,
    STAGE,
)
from server.live.attendance import HEARTBEAT_S, AttendanceRegister
from server.live.broadcast import NAMESPACE, Broadcaster, event_lookup
from server.live.connections import SignedInConnections
from server.live.namespace import LiveNamespace
from server.live.room import LiveRoom
from server.periodic import Rounds
from server.settings import Settings

SOCKETIO_PATH = "/socket.io/"


def client_manager(settings: Settings) -> socketio.AsyncManager:
    """In-process rooms by default; Redis pub/sub when several server processes share a room."""
    if settings.redis_url:
        return socketio.AsyncRedisManager(settings.redis_url, channel=settings.redis_channel)
    return socketio.AsyncManager()


def socketio_server(settings: Settings) -> socketio.AsyncServer:
    return socketio.AsyncServer(
        async_mode="aiohttp",
        client_manager=client_manager(settings),
        cors_allowed_origins=list(settings.allowed_origins),
        cors_credentials=True,
        max_http_buffer_size=settings.max_socket_message_bytes,
        logger=False,
        engineio_logger=False,
    )


def mount_live_room(app: web.Application) -> None:
    """The live room, its attendance register and its sign-ins, on the app and its routes;
    their background rounds start and stop with the app."""
    settings, database = app[SETTINGS], app[DATABASE]
    sio = socketio_server(settings)
    broadcaster = Broadcaster(sio, event_lookup(database))
    room = LiveRoom(database, settings, broadcaster.session_changed)
    attendance = AttendanceRegister(database, shared=settings.redis_url is not None)
    connections = SignedInConnections(database)
    app[BROADCASTER], app[LIVE_ROOM] = broadcaster, room
    app[ATTENDANCE], app[CONNECTIONS] = attendance, connections

    async def disconnect(sid: str) -> None:
        await sio.disconnect(sid, namespace=NAMESPACE)

    namespace = LiveNamespace(
        settings,
        app[IDENTITY],
        room,
        attendance,
        connections,
        broadcaster,
        stage=lambda: app[STAGE],
    )
    connections.bind(disconnect, namespace.sign_ins)
    sio.register_namespace(namespace)
    # Mounted by hand (not `sio.attach`) so the route has a name in the permission map; the
    # namespace authenticates every connection and checks every event itself.
    for method in ("GET", "POST", "OPTIONS"):
        app.router.add_route(method, SOCKETIO_PATH, sio.handle_request, name="live")

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        await attendance.start()
        rounds = _rounds(settings, attendance, connections)
        yield
        await rounds.stop()
        await room.close()
        await sio.shutdown()
        await attendance.stop()

    app.cleanup_ctx.append(lifecycle)


def _rounds(
    settings: Settings, attendance: AttendanceRegister, connections: SignedInConnections
) -> Rounds:
    async def beat() -> None:
        # Say this process is alive; close the stays of processes that stopped saying so.
        await attendance.heartbeat()
        await attendance.sweep()

    rounds = Rounds()
    rounds.start(HEARTBEAT_S, beat, "live room: attendance heartbeat")
    # Sign-ins that ended in another process, or expired (a sign-out here is at once).
    rounds.start(settings.sign_in_check_seconds, connections.sweep, "live room: checking sign-ins")
    return rounds
