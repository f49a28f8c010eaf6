"""The `presession` command: serve, worker, janus, db upgrade, qa-recording retry, demo, invite."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.app import create_app
from server.db import Database
from server.demo import create_demo
from server.errors import PresessionError
from server.identity.invitations import InvitationRequest
from server.identity.inviter import Inviter
from server.identity.service import Identity
from server.job_wakeups import JobWakeups
from server.mail.mailer import mailer_from
from server.models import CountrySession, Event, OrganisationKind, Role, Scope
from server.runtime import tune_runtime
from server.settings import Settings, SettingsError
from server.stage import recording

T = TypeVar("T")


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
        result: int = args.run(settings, args)
    except SettingsError as error:
        print(f"presession: configuration error: {error}", file=sys.stderr)
        return 2
    except PresessionError as error:
        print(f"presession: {error.message}", file=sys.stderr)
        return 1
    return result


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="presession", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the platform (applies migrations first)")
    serve.add_argument("--host", help="listen address (default: PRESESSION_HOST)")
    serve.add_argument("--port", type=int, help="listen port (default: PRESESSION_PORT)")
    serve.set_defaults(run=_serve)

    worker = commands.add_parser(
        "worker", help="run transcode jobs only (PostgreSQL; several workers may share it)"
    )
    worker.add_argument(
        "--concurrency", type=int, help="jobs at once (default: PRESESSION_JOB_CONCURRENCY)"
    )
    worker.add_argument(
        "--check", action="store_true", help="check the queue, ffmpeg and Redis; exit 1 if not"
    )
    worker.set_defaults(run=_worker)

    janus = commands.add_parser(
        "janus",
        help="run the live stage's Janus as a service of its own (writes its config, then runs it)",
    )
    janus.add_argument("--listen", default="0.0.0.0", help="HTTP API address (default: all)")  # noqa: S104
    janus.add_argument("--port", type=int, default=8088, help="HTTP API port (default: 8088)")
    janus.add_argument("--public-ip", help="the address browsers reach its media at (behind NAT)")
    janus.set_defaults(run=_janus)

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", help="apply pending migrations").set_defaults(run=_upgrade)

    qa = commands.add_parser("qa-recording", help="the Q&A recordings of the live stage")
    qa_commands = qa.add_subparsers(required=True, metavar="ACTION")
    retry = qa_commands.add_parser(
        "retry", help="make a failed Q&A recording again from the files Janus wrote"
    )
    retry.add_argument("session", type=int, metavar="SESSION", help="country session id")
    retry.set_defaults(run=_qa_retry)

    demo = commands.add_parser("demo", help="create the demo event and print invitation links")
    demo.add_argument("--json", action="store_true", help="print JSON instead of text")
    demo.set_defaults(run=_demo)

    invite_parser = commands.add_parser("invite", help="invite a person and print their link")
    invite_parser.add_argument("--role", required=True, choices=[role.value for role in Role])
    belongs = invite_parser.add_mutually_exclusive_group()
    belongs.add_argument("--mission", metavar="ISO", help="the delegate's State (ISO 3166 code)")
    belongs.add_argument("--organisation", metavar="NAME", help="the speaker's organisation")
    invite_parser.add_argument(
        "--kind", default="cso", choices=[kind.value for kind in OrganisationKind]
    )
    invite_parser.add_argument(
        "--scope",
        choices=[scope.value for scope in Scope],
        help="national (based in the country under review) or international",
    )
    invite_parser.add_argument("--session", type=int, metavar="ID", help="country session id")
    invite_parser.add_argument("--event", metavar="SLUG", help="event (default: the latest)")
    invite_parser.add_argument("--name", help="the person's name")
    invite_parser.add_argument("--email", help="the person's email address")
    invite_parser.add_argument("--title", default="", help="the statement's title (speakers)")
    invite_parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    invite_parser.set_defaults(run=_invite)
    return parser


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    host = args.host or settings.host
    port = args.port or settings.port
    print(f"Presession on http://{host}:{port} (public address {settings.public_url})", flush=True)
    app = create_app(settings)
    tune_runtime(app)
    web.run_app(app, host=host, port=port, print=None)
    return 0


def _janus(settings: Settings, args: argparse.Namespace) -> int:
    """Janus in the foreground with the config our servers expect (docs/stage.md)."""
    from server.stage import process
    from server.stage.config import rtp_ports

    binary = process.installed()
    if binary is None:
        print("Janus is not installed (apt-get install janus).", file=sys.stderr)
        return 1
    missing = [
        name
        for name, value in (
            ("PRESESSION_JANUS_API_SECRET", settings.janus_api_secret),
            ("PRESESSION_JANUS_TOKEN_SECRET", settings.janus_token_secret),
            ("PRESESSION_JANUS_ADMIN_KEY", settings.janus_admin_key),
        )
        if not value
    ]
    if missing:
        print(f"Set {', '.join(missing)} (the same as the web processes').", file=sys.stderr)
        return 1
    assert settings.janus_api_secret, "checked above"
    assert settings.janus_token_secret, "checked above"
    assert settings.janus_admin_key, "checked above"
    config = process.JanusConfig(
        folder=settings.data_dir / "janus",
        http_port=args.port,
        api_secret=settings.janus_api_secret,
        token_secret=settings.janus_token_secret,
        admin_key=settings.janus_admin_key,
        rtp_ports=rtp_ports(settings.janus_rtp_ports),
        http_ip=args.listen,
        public_ip=args.public_ip or None,
    )
    path = process.write_config(config)
    os.execv(binary, [binary, "-F", str(config.folder), "-C", str(path), "-o"])  # noqa: S606
    return 1  # execv does not return


def _worker(settings: Settings, args: argparse.Namespace) -> int:
    from server.worker import check_worker, run_worker

    if args.check:
        checks = asyncio.run(check_worker(settings))
        healthy = all(check["ok"] for check in checks.values())
        print(json.dumps({"status": "ok" if healthy else "unhealthy", "checks": checks}))
        return 0 if healthy else 1
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    concurrency = settings.job_concurrency if args.concurrency is None else args.concurrency
    asyncio.run(run_worker(settings, concurrency))
    return 0


def _upgrade(settings: Settings, args: argparse.Namespace) -> int:
    async def run(database: Database) -> None:
        await database.upgrade()

    _with_database(settings, run)
    print("database is up to date")
    return 0


def _qa_retry(settings: Settings, args: argparse.Namespace) -> int:
    async def run(database: Database) -> None:
        await recording.retry(database, args.session)
        await JobWakeups(database).notify()  # workers (PostgreSQL) take it now; a server polls

    _with_database(settings, run)
    print(f"The Q&A recording of session {args.session} is queued again.")
    return 0


def _demo(settings: Settings, args: argparse.Namespace) -> int:
    async def run(database: Database) -> dict[str, Any]:
        await database.upgrade()
        identity = Identity.from_settings(database, settings)
        return await create_demo(database, identity, settings)

    summary = _with_database(settings, run)
    if args.json:
        print(json.dumps(summary, indent=2, ensure_ascii=False))
        return 0
    base = f"{settings.public_url}/join/"
    invitations = summary["invitations"]
    names = {item["id"]: item["country_name"] for item in summary["sessions"]}
    print(f"{summary['event']['name']}: {len(summary['sessions'])} country sessions\n")
    print(f"Moderator (all sessions):\n  {base}{invitations['moderator']}\n")
    for country_session in summary["sessions"][:2]:
        session_id = country_session["id"]
        print(f"{names[session_id]} (session {session_id}):")
        for speaker in invitations["speakers"]:
            if speaker["session"] == session_id:
                print(f"  speaker, {speaker['organisation']}:\n    {base}{speaker['token']}")
        for delegate in invitations["delegates"]:
            if delegate["session"] == session_id:
                print(f"  delegate, {delegate['name']}:\n    {base}{delegate['token']}")
        print()
    print("Every session's links: presession demo --json")
    return 0


def _invite(settings: Settings, args: argparse.Namespace) -> int:
    async def run(database: Database) -> dict[str, Any]:
        await database.upgrade()
        mailer = mailer_from(settings.smtp_url, settings.outbox_dir, settings.mail_from)
        inviter = Inviter(database, Identity.from_settings(database, settings), mailer, settings)
        async with database.write() as session:
            event_id = await _event_id(session, args)
            invited = await inviter.invite(
                session,
                InvitationRequest(
                    role=Role(args.role),
                    event_id=event_id,
                    country_session_id=args.session,
                    name=args.name,
                    email=args.email,
                    mission_country=args.mission,
                    organisation_name=args.organisation,
                    organisation_kind=OrganisationKind(args.kind),
                    organisation_scope=Scope(args.scope) if args.scope else None,
                    statement_title=args.title,
                ),
            )
        link = inviter.join_link(invited.invitation)
        return {
            "token": link.token,
            "link": link.url,
            "role": args.role,
            "person": invited.person.id,
            "name": invited.person.name,
            "session": args.session,
            "statement": invited.statement.id if invited.statement else None,
            "expires_at": invited.invitation.expires_at.isoformat(),
        }

    result = _with_database(settings, run)
    print(json.dumps(result, indent=2) if args.json else result["link"])
    return 0


async def _event_id(session: AsyncSession, args: argparse.Namespace) -> int:
    if args.session is not None:
        country_session = await session.get(CountrySession, args.session)
        if country_session is None:
            raise PresessionError(f"There is no session {args.session}.")
        return int(country_session.event_id)
    query = select(Event.id).order_by(Event.id.desc()).limit(1)
    if args.event:
        query = select(Event.id).where(Event.slug == args.event)
    event_id = await session.scalar(query)
    if event_id is None:
        raise PresessionError("There is no such event yet: run `presession demo` or create one.")
    return int(event_id)


def _with_database(settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    async def run() -> T:
        database = Database(settings)
        try:
            return await work(database)
        finally:
            await database.close()

    return asyncio.run(run())


if __name__ == "__main__":
    sys.exit(main())
