"""The one way out: everything the server sends to Socket.IO clients goes through here.

Rooms, per session S: `S:moderators`, `S:speakers`, `S:delegates`, and `S:person:P` for each
person's own connections.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import socketio
from sqlalchemy import select

from server.db import Database
from server.live.change import Change
from server.live.views import Audience, personal_authors, render_update
from server.models import CountrySession, Role, utcnow
from server.statements.notify import StatementProgress

NAMESPACE = "/live"


def audience_room(session_id: int, role: Role) -> str:
    if role in (Role.ADMIN, Role.MODERATOR):
        return f"{session_id}:moderators"
    return f"{session_id}:{'speakers' if role is Role.SPEAKER else 'delegates'}"


def person_room(session_id: int, person_id: int) -> str:
    return f"{session_id}:person:{person_id}"


def organisers_room(event_id: int) -> str:
    """Every organiser connection of an event, whichever session it has joined."""
    return f"event:{event_id}:organisers"


def person_anywhere_room(person_id: int) -> str:
    return f"person:{person_id}"


EventOf = Callable[[int], Awaitable[int | None]]


def event_lookup(database: Database) -> EventOf:
    """The event of a session, read once each: a session never moves to another event."""
    events: dict[int, int | None] = {}

    async def event_of(session_id: int) -> int | None:
        if session_id not in events:
            async with database.read() as session:
                events[session_id] = await session.scalar(
                    select(CountrySession.event_id).where(CountrySession.id == session_id)
                )
        return events[session_id]

    return event_of


class Broadcaster:
    """Implements the statements' `Notifier` too: progress goes out through here."""

    def __init__(self, sio: socketio.AsyncServer, event_of: EventOf) -> None:
        self._sio = sio
        self._event_of = event_of

    def connection_count(self) -> int:
        """Open Socket.IO connections in this process."""
        return len(self._sio.eio.sockets)

    async def session_changed(self, change: Change) -> None:
        """Send one committed version to every audience of its session, filtered by role."""
        update = change.as_update()
        update["server_time"] = utcnow().isoformat()
        session_id = change.session_id
        await self._emit(
            "update", render_update(update, Audience.MODERATORS), f"{session_id}:moderators"
        )
        if change.public_previous is not None:
            public = render_update(update, Audience.PUBLIC)
            await self._emit(
                "update", public, [f"{session_id}:speakers", f"{session_id}:delegates"]
            )
        for author in personal_authors(update):
            personal = render_update(update, Audience.PUBLIC, author)
            personal["personal"] = True
            await self._emit("update", personal, person_room(session_id, author))

    async def presence_changed(
        self, session_id: int, person_id: int, entry: dict[str, Any] | None
    ) -> None:
        """One person's presence changed: `entry` is their presence now, None once gone.

        A change at a time, not the whole list: a room of a thousand would otherwise cost
        the moderators a thousand-entry message per arrival.
        """
        await self._emit(
            "presence",
            {"session": session_id, "person": person_id, "present": entry},
            f"{session_id}:moderators",
        )

    async def statement_progress(self, progress: StatementProgress) -> None:
        """A statement's processing progress, to its speaker and the event's organisers."""
        rooms = [f"{progress.session}:moderators"]
        event_id = await self._event_of(progress.session)
        if event_id is not None:
            rooms.append(organisers_room(event_id))
        if progress.speaker is not None:
            rooms.append(person_anywhere_room(progress.speaker))
        await self._emit(
            "progress",
            {
                "statement": progress.statement,
                "session": progress.session,
                "state": progress.state,
                "progress": progress.progress,
                "error": progress.error,
            },
            rooms,
        )

    async def _emit(self, event: str, data: dict[str, Any], to: str | list[str]) -> None:
        await self._sio.emit(event, data, to=to, namespace=NAMESPACE)
