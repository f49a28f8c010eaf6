"""The application factory: settings in, a wired aiohttp application out."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from media.tools import ToolChecker
from server import health
from server.db import Database
from server.identity import views as identity_views
from server.identity.service import Identity
from server.keys import DATABASE, IDENTITY, MAILER, SETTINGS, TOOLS
from server.live.socket import mount_live_room
from server.mail.mailer import mailer_from
from server.records import views as record_views
from server.sessions import views as session_views
from server.settings import Settings
from server.web import pages
from server.web.errors import json_errors
from server.web.permissions import check_map_covers, enforce_permissions
from server.web.security import add_security_headers


def create_app(settings: Settings) -> web.Application:
    app = web.Application(
        middlewares=[json_errors, enforce_permissions],
        client_max_size=settings.max_json_bytes,
    )
    app[SETTINGS] = settings
    app[TOOLS] = ToolChecker()
    app[MAILER] = mailer_from(settings.smtp_url, settings.outbox_dir, settings.mail_from)
    app.cleanup_ctx.append(_database)  # before the live room, which uses it
    mount_live_room(app)
    app.on_response_prepare.append(add_security_headers)
    for table in (
        pages.routes,
        health.routes,
        identity_views.routes,
        session_views.routes,
        record_views.routes,
    ):
        app.router.add_routes(table)
    pages.add_client_files(app)
    check_map_covers(app)
    return app


async def _database(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    database = Database(settings)
    await database.upgrade()
    app[DATABASE] = database
    app[IDENTITY] = Identity(database, settings.secret, settings.login_days)
    yield
    await database.close()
