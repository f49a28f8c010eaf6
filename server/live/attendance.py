"""Who is in a session's room: each connection's stay, for presence and the session record."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from server.db import Database
from server.live import reading
from server.models import Attendance, utcnow


class AttendanceRegister:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def arrived(self, session_id: int, person_id: int, connection: str) -> None:
        async with self._database.write() as session:
            session.add(
                Attendance(
                    country_session_id=session_id, person_id=person_id, connection=connection
                )
            )

    async def departed(self, connection: str) -> list[int]:
        """Close this connection's stays; the sessions it was in."""
        async with self._database.write() as session:
            sessions = (
                await session.scalars(
                    select(Attendance.country_session_id).where(
                        Attendance.connection == connection, Attendance.left_at.is_(None)
                    )
                )
            ).all()
            await session.execute(
                update(Attendance)
                .where(Attendance.connection == connection, Attendance.left_at.is_(None))
                .values(left_at=utcnow())
            )
        return sorted(set(sessions))

    async def close_stale(self) -> None:
        """Connections do not survive a restart: close the stays a stopped server left open."""
        async with self._database.write() as session:
            await session.execute(
                update(Attendance).where(Attendance.left_at.is_(None)).values(left_at=utcnow())
            )

    async def present(self, session_id: int) -> list[dict[str, Any]]:
        async with self._database.read() as session:
            return await reading.presence(session, session_id)
