from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import pytest

from server.db import Database
from server.settings import Settings
from tests.databases import postgres_database


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def database(request: pytest.FixtureRequest, settings: Settings) -> AsyncIterator[Database]:
    """A migrated database on each engine: a SQLite file, then a throwaway PostgreSQL one."""
    if request.param == "sqlite":
        database = Database(settings)
        await database.upgrade()
        yield database
        await database.close()
        return
    async with postgres_database() as url:
        database = Database(dataclasses.replace(settings, database_url=url))
        await database.upgrade()
        yield database
        await database.close()
