"""Every dependency the application holds, under one typed key each.

A leaf: the types are named for the type checker only, so a module that wants `SETTINGS`
does not load the live room or the upload machinery, and nothing here imports back up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from media.tools import ToolChecker
    from server.db import Database
    from server.identity.inviter import Inviter
    from server.identity.service import Identity
    from server.jobs import JobQueue
    from server.live.attendance import AttendanceRegister
    from server.live.broadcast import Broadcaster
    from server.live.connections import SignedInConnections
    from server.live.room import LiveRoom
    from server.mail.mailer import Mailer
    from server.settings import Settings
    from server.stage.service import Stage
    from server.statements.notify import Notifier
    from server.statements.uploads import Uploads

SETTINGS: web.AppKey[Settings] = web.AppKey("settings")
DATABASE: web.AppKey[Database] = web.AppKey("database")
IDENTITY: web.AppKey[Identity] = web.AppKey("identity")
TOOLS: web.AppKey[ToolChecker] = web.AppKey("tools")
LIVE_ROOM: web.AppKey[LiveRoom] = web.AppKey("live_room")
BROADCASTER: web.AppKey[Broadcaster] = web.AppKey("broadcaster")
ATTENDANCE: web.AppKey[AttendanceRegister] = web.AppKey("attendance")
CONNECTIONS: web.AppKey[SignedInConnections] = web.AppKey("connections")
MAILER: web.AppKey[Mailer] = web.AppKey("mailer")
INVITER: web.AppKey[Inviter] = web.AppKey("inviter")
# Where statement progress goes: a logging default; the live room plugs Socket.IO in here.
NOTIFIER: web.AppKey[Notifier] = web.AppKey("notifier")
JOBS: web.AppKey[JobQueue] = web.AppKey("jobs")
UPLOADS: web.AppKey[Uploads] = web.AppKey("uploads")
STAGE: web.AppKey[Stage] = web.AppKey("stage")
