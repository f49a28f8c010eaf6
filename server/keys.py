"""Every dependency the application holds, under one typed key each."""

from __future__ import annotations

from aiohttp import web

from media.tools import ToolChecker
from server.db import Database
from server.identity.service import Identity
from server.live.attendance import AttendanceRegister
from server.live.broadcast import Broadcaster
from server.live.room import LiveRoom
from server.mail.mailer import Mailer
from server.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
DATABASE = web.AppKey("database", Database)
IDENTITY = web.AppKey("identity", Identity)
TOOLS = web.AppKey("tools", ToolChecker)
LIVE_ROOM = web.AppKey("live_room", LiveRoom)
BROADCASTER = web.AppKey("broadcaster", Broadcaster)
ATTENDANCE = web.AppKey("attendance", AttendanceRegister)
MAILER = web.AppKey("mailer", Mailer)
