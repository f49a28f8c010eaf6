"""The one way out: everything the server sends to Socket.IO clients goes through here.

Rooms, per session S: `S:moderators`, `S:speakers`, `S:delegates`, and `S:person:P` for each
person's own connections.
"""

from __future__ import annotations

from typing import Any

import socketio

from server.live.change import Change
from server.live.views import Audience, personal_authors, render_update
from server.models import Role, utcnow

NAMESPACE = "/live"


def audience_room(session_id: int, role: Role) -> str:
    if role in (Role.ADMIN, Role.MODERATOR):
        return f"{session_id}:moderators"
    return f"{session_id}:{'speakers' if role is Role.SPEAKER else 'delegates'}"


def person_room(session_id: int, person_id: int) -> str:
    return f"{session_id}:person:{person_id}"


def event_room(event_id: int, role: Role) -> str:
    """Organisers of an event (statement progress) or one person anywhere in it."""
    return f"event:{event_id}:{role.value}"


def person_anywhere_room(person_id: int) -> str:
    return f"person:{person_id}"


class Broadcaster:
    def __init__(self, sio: socketio.AsyncServer) -> None:
        self._sio = sio

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

    async def statement_progress(
        self, event_id: int, speaker_id: int | None, progress: dict[str, Any]
    ) -> None:
        """A statement's processing progress, to its speaker and the event's moderators."""
        rooms = [event_room(event_id, Role.MODERATOR), event_room(event_id, Role.ADMIN)]
        if speaker_id is not None:
            rooms.append(person_anywhere_room(speaker_id))
        await self._emit("progress", progress, rooms)

    async def _emit(self, event: str, data: dict[str, Any], to: str | list[str]) -> None:
        await self._sio.emit(event, data, to=to, namespace=NAMESPACE)
