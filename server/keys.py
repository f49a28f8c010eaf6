"""Every dependency the application holds, under one typed key each."""

from __future__ import annotations

from aiohttp import web

from media.tools import ToolChecker
from server.db import Database
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

SETTINGS = web.AppKey("settings", Settings)
DATABASE = web.AppKey("database", Database)
IDENTITY = web.AppKey("identity", Identity)
TOOLS = web.AppKey("tools", ToolChecker)
LIVE_ROOM = web.AppKey("live_room", LiveRoom)
BROADCASTER = web.AppKey("broadcaster", Broadcaster)
ATTENDANCE = web.AppKey("attendance", AttendanceRegister)
CONNECTIONS = web.AppKey("connections", SignedInConnections)
MAILER = web.AppKey("mailer", Mailer)
# Where statement progress goes: a logging default; the live room plugs Socket.IO in here.
NOTIFIER = web.AppKey("notifier", Notifier)
JOBS = web.AppKey("jobs", JobQueue)
UPLOADS = web.AppKey("uploads", Uploads)
STAGE = web.AppKey("stage", Stage)
