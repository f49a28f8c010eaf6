"""The application factory: settings in, a wired aiohttp application out."""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from media.tools import ToolChecker
from server import health
from server.applications import views as application_views
from server.db import Database
from server.identity import views as identity_views
from server.identity.inviter import Inviter
from server.identity.service import Identity
from server.jobs import LocalJobRunner
from server.keys import (
    BROADCASTER,
    CONNECTIONS,
    DATABASE,
    IDENTITY,
    INVITER,
    JOBS,
    MAILER,
    NOTIFIER,
    SETTINGS,
    TOOLS,
    UPLOADS,
)
from server.live.socket import mount_live_room
from server.mail.mailer import mailer_from
from server.periodic import Rounds
from server.recommendations import views as recommendation_views
from server.records import views as record_views
from server.sessions import views as session_views
from server.settings import Settings
from server.stage.recording import QA_RECORDING, QaRecordingHandler
from server.stage.views import end_stage_sign_in, mount_stage
from server.statements import choices as statement_choices
from server.statements import media_files, tus
from server.statements import views as statement_views
from server.statements.processing import TranscodeHandler
from server.statements.uploads import TRANSCODE, Uploads
from server.web import pages
from server.web.errors import json_errors
from server.web.permissions import check_map_covers, enforce_permissions
from server.web.security import add_security_headers

log = logging.getLogger(__name__)
UPLOAD_EXPIRY_S = 600.0  # how often unfinished uploads past their expiry are swept


def create_app(settings: Settings) -> web.Application:
    app = web.Application(
        middlewares=[json_errors, enforce_permissions],
        client_max_size=settings.max_json_bytes,
    )
    app[SETTINGS] = settings
    app[TOOLS] = ToolChecker()
    app[MAILER] = mailer_from(settings.smtp_url, settings.outbox_dir, settings.mail_from)
    database = Database(settings)  # connects on first use, after `_database` has migrated
    app[DATABASE] = database
    identity = app[IDENTITY] = Identity.from_settings(database, settings)
    app[INVITER] = Inviter(database, identity, app[MAILER], settings)
    app.cleanup_ctx.append(_database)  # first: everything below uses it
    mount_live_room(app)
    # Statement progress goes to the speaker and the moderators through the live room.
    app[NOTIFIER] = app[BROADCASTER]
    app.cleanup_ctx.append(_statements)  # the job runner, which the stage queues work on
    mount_stage(app)  # after the live room: the stage's changes are live-room changes
    # A sign-out ends the sign-in's open live connections here (those held by another process
    # at its next check of sign-ins), and its stage connections: sound and video stop with it.
    identity.on_signed_out(app[CONNECTIONS].end)
    identity.on_signed_out(functools.partial(end_stage_sign_in, app))
    app.on_response_prepare.append(add_security_headers)
    app.on_response_prepare.append(tus.add_tus_headers)
    for table in (
        pages.routes,
        health.routes,
        identity_views.routes,
        session_views.routes,
        record_views.routes,
        application_views.routes,
        tus.routes,
        statement_views.routes,
        statement_choices.routes,
        recommendation_views.routes,
        media_files.routes,
    ):
        app.router.add_routes(table)
    pages.add_client_files(app)
    check_map_covers(app)
    return app


async def _database(app: web.Application) -> AsyncIterator[None]:
    database = app[DATABASE]
    await database.upgrade()
    yield
    await database.close()


async def _statements(app: web.Application) -> AsyncIterator[None]:
    """The job runner (embedded: in this process) and the upload service; expiry sweeps."""
    settings, database, notifier = app[SETTINGS], app[DATABASE], app[NOTIFIER]
    runner = LocalJobRunner(
        database,
        {
            TRANSCODE: TranscodeHandler(database, settings, notifier),
            QA_RECORDING: QaRecordingHandler(database, settings),
        },
        concurrency=settings.job_concurrency,
        max_attempts=settings.job_max_attempts,
        heartbeat_s=settings.job_heartbeat_seconds,
    )
    if settings.job_concurrency == 0 and database.is_sqlite:
        log.warning("PRESESSION_JOB_CONCURRENCY=0 with SQLite: no process will run transcodes")
    uploads = Uploads(database, settings, runner, notifier)
    app[JOBS] = runner
    app[UPLOADS] = uploads
    await runner.start()
    rounds = Rounds()
    rounds.start(UPLOAD_EXPIRY_S, uploads.expire, "expiring uploads", at_once=True)
    yield
    await rounds.stop()
    await runner.stop()
