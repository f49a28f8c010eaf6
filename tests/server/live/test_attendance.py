"""Stays in a room across server processes: one process's start or crash never closes the
stays another still holds; a crashed process's stays end when it was last seen."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update

from server.db import Database
from server.identity.service import Identity
from server.live.attendance import STALE_AFTER_S, AttendanceRegister
from server.models import Attendance, ServerProcess, utcnow
from server.settings import Settings
from tests.factories import seed


async def open_stays(database: Database) -> dict[str, datetime | None]:
    async with database.read() as session:
        rows = (await session.execute(select(Attendance.connection, Attendance.left_at))).all()
    return {row.connection: row.left_at for row in rows}


async def test_processes_sharing_rooms_close_only_the_stays_of_a_crashed_one(
    database: Database, settings: Settings
) -> None:
    seeded = await seed(database, Identity(database, settings.secret, settings.login_days))
    running = AttendanceRegister(database, shared=True)
    crashed = AttendanceRegister(database, shared=True)
    await running.start()
    await crashed.start()
    await running.arrived(seeded.session_id, 1, "held-by-the-running-one")
    await crashed.arrived(seeded.session_id, 1, "held-by-the-crashed-one")

    # A third process starting (a restart, a new one) leaves both alone: both were seen lately.
    starting = AttendanceRegister(database, shared=True)
    await starting.start()
    stays = await open_stays(database)
    assert stays == {"held-by-the-running-one": None, "held-by-the-crashed-one": None}

    # The crashed one stops saying it is alive; the others go on.
    last_seen = utcnow() - timedelta(seconds=STALE_AFTER_S + 5)
    async with database.write() as session:
        await session.execute(
            update(ServerProcess)
            .where(ServerProcess.id == crashed.process)
            .values(seen_at=last_seen)
        )
    await running.heartbeat()
    assert await starting.sweep() == 1
    stays = await open_stays(database)
    assert stays["held-by-the-running-one"] is None
    assert stays["held-by-the-crashed-one"] == last_seen  # as of its last sign of life
    assert await running.sweep() == 0

    # A clean stop closes its own stays and takes its process off the list.
    await running.stop()
    assert (await open_stays(database))["held-by-the-running-one"] is not None
    async with database.read() as session:
        alive = set((await session.scalars(select(ServerProcess.id))).all())
    assert alive == {starting.process}


async def test_a_process_alone_closes_every_stay_left_open_at_its_start(
    database: Database, settings: Settings
) -> None:
    seeded = await seed(database, Identity(database, settings.secret, settings.login_days))
    before = AttendanceRegister(database)
    await before.start()
    await before.arrived(seeded.session_id, 1, "left-open-by-a-kill")
    after = AttendanceRegister(database)  # the same server, restarted after kill -9
    await after.start()
    assert (await open_stays(database))["left-open-by-a-kill"] is not None
