"""SQLite through aiosqlite, one trip to its thread per statement.

SQLAlchemy's aiosqlite adapter makes four trips to aiosqlite's thread for each statement that
returns rows (make a cursor, execute, fetch, close) and three for the others. Each trip is a
wake-up of that thread and a wake-up of the event loop; on a loaded server each waits for its
turn in the loop, so trips, not SQL, are what a statement costs. The cursor here does the
whole statement in one trip: it executes, fetches every row (as the stock adapter does too)
and closes the sqlite3 cursor in aiosqlite's thread, and keeps what SQLAlchemy reads
afterwards (`description`, `rowcount`, `lastrowid`).

It is given to SQLAlchemy as the dialect's DBAPI module (`create_async_engine(module=...)`,
SQLAlchemy's documented way to hand a dialect another DBAPI), so the dialect, the URL and
everything above stay SQLAlchemy's own. It uses aiosqlite's way into its thread
(`Connection._execute`, `Connection._conn`), present in every aiosqlite from 0.17 to today;
`one_trip_module` returns None when a future aiosqlite lacks them, and the engine then runs on
the stock adapter (the test suite's trip count says so).
"""

from __future__ import annotations

import collections
import sqlite3
from collections.abc import Callable
from typing import Any, TypeVar

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)

Outcome = tuple[Any, int, int | None, list[Any] | None]
T = TypeVar("T")


class _Executed:
    """What an executed statement left behind, read in aiosqlite's thread before closing."""

    __slots__ = ("arraysize", "description", "lastrowid", "rowcount")

    def __init__(self) -> None:
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self.arraysize = 1

    def close(self) -> None:
        """Nothing to close: the sqlite3 cursor was closed in aiosqlite's thread."""


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ()
    _awaitable_cursor_close = False  # `close` is the _Executed's, with nothing to wait for

    def _make_new_cursor(self, connection: Any) -> Any:
        return _Executed()

    def _aenter_cursor(self, cursor: Any) -> Any:
        return cursor

    async def _execute_async(self, operation: Any, parameters: Any) -> None:
        def run(cursor: sqlite3.Cursor) -> Outcome:
            if parameters is None:
                cursor.execute(operation)
            else:
                cursor.execute(operation, parameters)
            rows = cursor.fetchall() if cursor.description else None
            return cursor.description, cursor.rowcount, cursor.lastrowid, rows

        async with self._adapt_connection._execute_mutex:
            executed: Any = self._cursor  # an _Executed
            outcome = await self._in_thread(run)
            executed.description, executed.rowcount, executed.lastrowid, rows = outcome
            if rows is not None:
                self._rows = collections.deque(rows)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> None:
        def run(cursor: sqlite3.Cursor) -> int:
            cursor.executemany(operation, seq_of_parameters)
            return int(cursor.rowcount)

        async with self._adapt_connection._execute_mutex:
            executed: Any = self._cursor  # an _Executed
            executed.rowcount = await self._in_thread(run)

    async def _in_thread(self, work: Callable[[sqlite3.Cursor], T]) -> T:
        """`work` on a new sqlite3 cursor, closed after it, all in one trip to aiosqlite's
        thread (the caller holds the connection's mutex)."""
        native: Any = self._connection  # aiosqlite's Connection

        def run() -> T:  # in aiosqlite's thread
            cursor = native._conn.cursor()
            try:
                return work(cursor)
            finally:
                cursor.close()

        result: T = await native._execute(run)
        return result


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = OneTripCursor


class OneTripModule(AsyncAdapt_aiosqlite_dbapi):
    """The aiosqlite DBAPI SQLAlchemy builds, whose connections make one-trip cursors."""

    def connect(self, *args: Any, **kwargs: Any) -> OneTripConnection:
        stock = super().connect(*args, **kwargs)
        return OneTripConnection(self, stock._connection)


def one_trip_module() -> OneTripModule | None:
    """The module for `create_async_engine(module=...)`, or None if aiosqlite changed."""
    if not (hasattr(aiosqlite.Connection, "_execute") and hasattr(aiosqlite.Connection, "_conn")):
        return None
    return OneTripModule(aiosqlite, sqlite3)
