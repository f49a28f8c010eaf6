"""The database: engine set-up, read and write units of work, migrations.

SQLite (the embedded default) runs in WAL mode with foreign keys on. A write unit of work
starts with `BEGIN IMMEDIATE`, so two writers never both read the same "max position" and
write the same next value: the second waits for the first to commit. On PostgreSQL the same
code locks the parent row (`with_for_update`), which SQLite ignores.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry

from server.settings import Settings
from server.sqlite_driver import one_trip_module

log = logging.getLogger(__name__)
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
_BEGIN_OPTION = "presession_begin"
_MIGRATION_LOCK = 0x7072_6573  # any fixed number: the advisory lock migrations take


class Database:
    """Owns the engine; hands out sessions for reading and for writing."""

    def __init__(self, settings: Settings) -> None:
        url = settings.database_url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            self._prepare_sqlite_path(url)
            options: dict[str, Any] = {}
            if url.startswith("sqlite+aiosqlite"):
                one_trip = one_trip_module()
                if one_trip is None:
                    log.warning(
                        "database: this aiosqlite has no way into its thread that the one-trip"
                        " cursor knows; SQLite runs on SQLAlchemy's stock adapter (slower)"
                    )
                else:
                    options["module"] = one_trip
            self.engine = create_async_engine(url, connect_args={"timeout": 30}, **options)
            _configure_sqlite(self.engine, settings)
        else:
            self.engine = create_async_engine(url, pool_pre_ping=True)
        self._write_lock = asyncio.Lock() if self.is_sqlite else None
        self._reads = async_sessionmaker(self.engine, expire_on_commit=False)
        self._writes = async_sessionmaker(
            self.engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"}),
            expire_on_commit=False,
        )

    @staticmethod
    def _prepare_sqlite_path(url: str) -> None:
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A read-only unit of work (a consistent snapshot on SQLite in WAL mode)."""
        async with self._reads() as session:
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A write unit of work: committed on success, rolled back on any error."""
        async with self._write_turn(), self._writes() as session, session.begin():
            yield session

    @asynccontextmanager
    async def _write_turn(self) -> AsyncIterator[None]:
        # SQLite takes one writer at a time. Queueing this process's writers here, in order,
        # beats letting each poll the file lock (busy_timeout) from its own thread; the file
        # lock still orders writers of several processes.
        if self._write_lock is None:
            yield
            return
        async with self._write_lock:
            yield

    async def upgrade(self) -> None:
        """Apply every Alembic migration not yet applied.

        On PostgreSQL, processes starting together (two servers, a worker) take turns: the
        first migrates, the others then find the schema up to date.
        """
        async with self.engine.begin() as connection:
            if not self.is_sqlite:
                await connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK}
                )
            await connection.run_sync(_upgrade)

    async def ping(self) -> str:
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        return self.engine.dialect.name

    async def close(self) -> None:
        await self.engine.dispose()


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def _upgrade(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def _configure_sqlite(engine: AsyncEngine, settings: Settings) -> None:
    # pysqlite's own transaction handling defers BEGIN and cannot do BEGIN IMMEDIATE;
    # switch it off and emit BEGIN ourselves (SQLAlchemy's documented recipe).
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(settings.sqlite_busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        synchronous = settings.sqlite_synchronous.upper()
        if synchronous not in ("OFF", "NORMAL", "FULL", "EXTRA"):
            raise ValueError(f"unknown SQLite synchronous mode {synchronous!r}")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get(_BEGIN_OPTION, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")
