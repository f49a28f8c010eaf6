"""Who is in a session's room: each connection's stay, for presence and the session record.

Connections do not outlive their server process. Each stay records the process that holds
it; each process says it is alive every `HEARTBEAT_S`. Alone (no Redis), a starting process
closes every stay left open; sharing rooms with others, it closes only the stays of processes
not seen for `STALE_AFTER_S`, at their last sign of life, and goes on doing so while it runs.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select, update

from server.db import Database
from server.live import reading
from server.models import Attendance, ServerProcess, utcnow

HEARTBEAT_S = 10.0
STALE_AFTER_S = 3 * HEARTBEAT_S


class AttendanceRegister:
    def __init__(self, database: Database, *, shared: bool = False) -> None:
        self._database = database
        self._shared = shared  # other processes hold connections to the same rooms
        self.process = secrets.token_hex(16)

    async def start(self) -> None:
        """Register this process; close the stays that stopped processes left open."""
        async with self._database.write() as session:
            if not self._shared:
                # Alone: no other process can hold a connection.
                await session.execute(
                    update(Attendance).where(Attendance.left_at.is_(None)).values(left_at=utcnow())
                )
                await session.execute(delete(ServerProcess))
            session.add(ServerProcess(id=self.process))
        await self.sweep()

    async def heartbeat(self) -> None:
        async with self._database.write() as session:
            await session.execute(
                update(ServerProcess)
                .where(ServerProcess.id == self.process)
                .values(seen_at=utcnow())
            )

    async def sweep(self) -> int:
        """Close the stays of processes not seen lately, as of when they were last seen; how
        many processes were given up."""
        cutoff = utcnow() - timedelta(seconds=STALE_AFTER_S)
        async with self._database.write() as session:
            stale = (
                await session.scalars(
                    select(ServerProcess).where(
                        ServerProcess.seen_at < cutoff, ServerProcess.id != self.process
                    )
                )
            ).all()
            for process in stale:
                await session.execute(
                    update(Attendance)
                    .where(Attendance.process == process.id, Attendance.left_at.is_(None))
                    .values(left_at=process.seen_at)
                )
                await session.delete(process)
        return len(stale)

    async def stop(self) -> None:
        """A clean stop: this process's connections are gone, and so is it."""
        async with self._database.write() as session:
            await session.execute(
                update(Attendance)
                .where(Attendance.process == self.process, Attendance.left_at.is_(None))
                .values(left_at=utcnow())
            )
            await session.execute(delete(ServerProcess).where(ServerProcess.id == self.process))

    async def arrived(self, session_id: int, person_id: int, connection: str) -> None:
        async with self._database.write() as session:
            session.add(
                Attendance(
                    country_session_id=session_id,
                    person_id=person_id,
                    connection=connection,
                    process=self.process,
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

    async def person_present(self, session_id: int, person_id: int) -> dict[str, Any] | None:
        """This person's presence in the room (None once their last connection has left)."""
        async with self._database.read() as session:
            entries = await reading.presence(session, session_id, person_id)
        return entries[0] if entries else None
