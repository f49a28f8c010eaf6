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

    async def departed(self, connection: str) -> list[tuple[int, int]]:
        """Close this connection's stays; the (session, person) of each."""
        async with self._database.write() as session:
            stays = (
                await session.execute(
                    select(Attendance.country_session_id, Attendance.person_id).where(
                        Attendance.connection == connection, Attendance.left_at.is_(None)
                    )
                )
            ).all()
            await session.execute(
                update(Attendance)
                .where(Attendance.connection == connection, Attendance.left_at.is_(None))
                .values(left_at=utcnow())
            )
        return sorted({(stay.country_session_id, stay.person_id) for stay in stays})

    async def close_stale(self) -> None:
        """Connections do not survive a restart: close the stays a stopped server left open."""
        async with self._database.write() as session:
            await session.execute(
                update(Attendance).where(Attendance.left_at.is_(None)).values(left_at=utcnow())
            )

    async def person_present(self, session_id: int, person_id: int) -> dict[str, Any] | None:
        """This person's presence in the room (None once their last connection has left)."""
        async with self._database.read() as session:
            entries = await reading.presence(session, session_id, person_id)
        return entries[0] if entries else None
