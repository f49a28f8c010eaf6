"""SQLite's one-trip cursor: each statement is one trip to aiosqlite's thread, and what
SQLAlchemy reads of a statement (rows, column names, counts, new ids, errors) is as before."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import insert, select, text, update
from sqlalchemy.exc import IntegrityError

from server.db import Database
from server.models import Event
from server.settings import Settings
from server.sqlite_driver import OneTripModule


@pytest.fixture
async def sqlite(settings: Settings) -> AsyncIterator[Database]:
    database = Database(settings)
    await database.upgrade()
    yield database
    await database.close()


class Trips:
    """Counts the calls made into aiosqlite's thread by one pooled connection."""

    def __init__(self, native: Any) -> None:
        self.count = 0
        self._native = native
        self._execute = native._execute
        native._execute = self._counted

    async def _counted(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        self.count += 1
        return await self._execute(fn, *args, **kwargs)

    def stop(self) -> None:
        del self._native._execute


async def test_the_engine_uses_the_one_trip_module(sqlite: Database) -> None:
    """A fallback to the stock adapter (a future aiosqlite) shows here first."""
    assert isinstance(sqlite.engine.dialect.dbapi, OneTripModule)


async def test_a_select_and_an_update_are_one_trip_each(sqlite: Database) -> None:
    async with sqlite.write() as session:
        session.add(Event(slug="geneva", name="Geneva", timezone="Europe/Zurich"))
    async with sqlite.write() as session:
        connection = await session.connection()
        raw = await connection.get_raw_connection()
        trips = Trips(raw.driver_connection)
        try:
            rows = (await connection.execute(select(Event.slug, Event.name))).all()
            assert trips.count == 1
            changed = await connection.execute(
                update(Event).where(Event.slug == "geneva").values(name="Geneva, Palais")
            )
            assert trips.count == 2
        finally:
            trips.stop()
    assert [tuple(row) for row in rows] == [("geneva", "Geneva")]
    assert changed.rowcount == 1


async def test_what_a_statement_leaves_is_read_as_before(sqlite: Database) -> None:
    async with sqlite.write() as session:
        connection = await session.connection()
        new_id = await connection.scalar(
            insert(Event).values(slug="a", name="A", timezone="UTC").returning(Event.id)
        )
        inserted = await connection.execute(
            insert(Event).values(slug="b", name="B", timezone="UTC")
        )
        many = await connection.execute(
            insert(Event), [{"slug": s, "name": s, "timezone": "UTC"} for s in ("c", "d", "e")]
        )
        result = await connection.execute(
            text("SELECT slug AS the_slug, id FROM events ORDER BY id")
        )
        names, rows = list(result.keys()), result.all()
        nothing = (await connection.execute(text("SELECT 1 WHERE 0"))).all()
    assert isinstance(new_id, int)
    assert inserted.inserted_primary_key is not None
    assert inserted.inserted_primary_key[0] > new_id
    assert many.rowcount == 3
    assert names == ["the_slug", "id"]
    assert [row.the_slug for row in rows] == ["a", "b", "c", "d", "e"]
    assert nothing == []


async def test_a_refused_statement_raises_and_its_write_leaves_nothing(sqlite: Database) -> None:
    async with sqlite.write() as session:
        session.add(Event(slug="unique", name="first", timezone="UTC"))

    async def collide() -> None:
        async with sqlite.write() as session:
            session.add(Event(slug="kept-not", name="x", timezone="UTC"))
            await session.flush()
            connection = await session.connection()
            await connection.execute(
                insert(Event).values(slug="unique", name="again", timezone="UTC")
            )

    with pytest.raises(IntegrityError):
        await collide()
    async with sqlite.read() as session:
        slugs = (await session.scalars(select(Event.slug).order_by(Event.slug))).all()
        assert slugs == ["unique"]  # the failed write left nothing; the connection still works
