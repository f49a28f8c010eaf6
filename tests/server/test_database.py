"""Migrations from empty, the SQLite pragmas, and serialised writers on both engines."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.util.exc import CommandError
from sqlalchemy import select, text

from server.db import Database, alembic_config
from server.models import CountrySession, Event, Role, Statement
from server.settings import Settings
from tests.factories import invited


async def test_migrations_match_the_models(database: Database) -> None:
    def check(connection: object) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.check(config)  # raises when the models need a migration the tree lacks

    async with database.engine.connect() as connection:
        try:
            await connection.run_sync(check)
        except CommandError as error:
            pytest.fail(f"models and migrations differ: {error}")
        tables = await connection.run_sync(lambda sync: set(sync.dialect.get_table_names(sync)))
    assert {"events", "country_sessions", "people", "statements", "invitations"} <= tables


async def test_upgrade_twice_is_harmless(database: Database) -> None:
    await database.upgrade()
    assert await database.ping() in ("sqlite", "postgresql")


async def test_sqlite_runs_in_wal_with_foreign_keys(settings: Settings) -> None:
    database = Database(settings)
    await database.upgrade()
    async with database.read() as session:
        assert (await session.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await session.execute(text("PRAGMA foreign_keys"))).scalar() == 1
        assert (await session.execute(text("PRAGMA busy_timeout"))).scalar() == 10_000
    await database.close()


async def test_a_failed_write_changes_nothing(database: Database) -> None:
    async def fail_midway() -> None:
        async with database.write() as session:
            session.add(Event(slug="rolled-back", name="x", timezone="UTC"))
            await session.flush()
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await fail_midway()
    async with database.read() as session:
        assert await session.scalar(select(Event).where(Event.slug == "rolled-back")) is None


async def test_fifty_concurrent_writers_get_distinct_positions(database: Database) -> None:
    async with database.write() as session:
        event = Event(slug="busy", name="Busy", timezone="Europe/Zurich")
        session.add(event)
        await session.flush()
        start = datetime(2030, 1, 1, tzinfo=UTC)
        country_session = CountrySession(
            event_id=event.id, country="PW", starts_at=start, ends_at=start, max_speakers=100
        )
        session.add(country_session)
        await session.flush()
        event_id, session_id = event.id, country_session.id

    async def add_speaker(index: int) -> int:
        async with database.write() as session:
            speaker = await invited(
                session,
                days=1,
                role=Role.SPEAKER,
                event_id=event_id,
                country_session_id=session_id,
                organisation_name=f"Organisation {index}",
            )
            assert speaker.statement is not None
            return speaker.statement.position

    positions = await asyncio.gather(*(add_speaker(index) for index in range(50)))
    assert sorted(positions) == list(range(1, 51))
    async with database.read() as session:
        stored = (
            await session.scalars(
                select(Statement.position).where(Statement.country_session_id == session_id)
            )
        ).all()
    assert sorted(stored) == list(range(1, 51))
