"""A real python-socketio client for the live room, and the state a client keeps."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

import socketio

NAMESPACE = "/live"


class LiveClient:
    """One connection to `/live`, recording every `update`, `presence` and `progress`."""

    def __init__(self, url: str, token: str | None) -> None:
        self.url = url
        self.token = token
        self.sio = socketio.AsyncClient(reconnection=False)
        self.updates: list[dict[str, Any]] = []
        self.presence: list[dict[str, Any]] = []
        self.progress: list[dict[str, Any]] = []
        self.present: dict[int, dict[str, Any]] = {}  # who is in the room, by person
        self._arrived = asyncio.Event()
        self.sio.on("update", self._on_update, namespace=NAMESPACE)
        self.sio.on("presence", self._on_presence, namespace=NAMESPACE)
        self.sio.on("progress", self._on_progress, namespace=NAMESPACE)

    async def _on_update(self, data: dict[str, Any]) -> None:
        self.updates.append(data)
        self._arrived.set()

    async def _on_progress(self, data: dict[str, Any]) -> None:
        self.progress.append(data)
        self._arrived.set()

    async def _on_presence(self, data: dict[str, Any]) -> None:
        self.presence.append(data)
        if data["present"] is None:
            self.present.pop(data["person"], None)
        else:
            self.present[data["person"]] = data["present"]
        self._arrived.set()

    async def connect(self) -> LiveClient:
        auth = {"token": self.token} if self.token else None
        await self.sio.connect(
            self.url, auth=auth, namespaces=[NAMESPACE], transports=["websocket"], wait_timeout=5
        )
        return self

    async def call(self, event: str, data: Any, seconds: float = 10) -> dict[str, Any]:
        answer: dict[str, Any] = await self.sio.call(
            event, data, namespace=NAMESPACE, timeout=seconds
        )
        return answer

    async def ok(self, event: str, data: Any) -> dict[str, Any]:
        answer = await self.call(event, data)
        assert answer["ok"] is True, (event, data, answer)
        return answer

    async def wait_for(self, version: int, seconds: float = 5.0) -> dict[str, Any]:
        """The update carrying this version (waiting for it to arrive)."""

        async def arrived() -> dict[str, Any]:
            while True:
                for update in self.updates:
                    if update["version"] == version and not update.get("personal"):
                        return update
                self._arrived.clear()
                await self._arrived.wait()

        return await asyncio.wait_for(arrived(), seconds)

    async def wait_for_personal(self, version: int, seconds: float = 5.0) -> dict[str, Any]:
        """The personal update (the author's own question) of this version."""

        async def arrived() -> dict[str, Any]:
            while True:
                for update in self.updates:
                    if update["version"] == version and update.get("personal"):
                        return update
                self._arrived.clear()
                await self._arrived.wait()

        return await asyncio.wait_for(arrived(), seconds)

    async def wait_for_progress(self, state: str, seconds: float = 5.0) -> dict[str, Any]:
        """The latest `progress` event, once it announces `state`."""

        async def arrived() -> dict[str, Any]:
            while not (self.progress and self.progress[-1]["state"] == state):
                self._arrived.clear()
                await self._arrived.wait()
            return self.progress[-1]

        return await asyncio.wait_for(arrived(), seconds)

    async def wait_for_presence(self, check: Any, seconds: float = 5.0) -> list[dict[str, Any]]:
        """Who is present, once `check(list of people)` holds."""

        async def arrived() -> list[dict[str, Any]]:
            while True:
                people = list(self.present.values())
                if check(people):
                    return people
                self._arrived.clear()
                await self._arrived.wait()

        return await asyncio.wait_for(arrived(), seconds)

    async def close(self) -> None:
        await self.sio.disconnect()


class RoomState:
    """What a browser keeps of the room: built from a snapshot, advanced by updates."""

    def __init__(self, snapshot: dict[str, Any]) -> None:
        self.version: int = snapshot["version"]
        self.phase: str = snapshot["phase"]
        self.screening: dict[str, Any] = snapshot["screening"]
        self.questions = {q["id"]: q for q in snapshot["questions"]}
        self.queue: list[int] = snapshot["queue"]
        self.on_air: int | None = snapshot["on_air"]

    def apply(self, update: dict[str, Any], *, synced: bool = False) -> bool:
        """Apply one update; False when one is missing before it (the client must sync).

        A `personal` update only adds the author's own question; it does not move the version.
        Updates returned by `sync` come complete and in order (`synced`).
        """
        if update.get("personal"):
            self._merge(update)
            return True
        if update["version"] <= self.version:
            return True  # already have it
        if not synced and update["previous"] > self.version:
            return False
        self.version = update["version"]
        self._merge(update)
        return True

    def _merge(self, update: dict[str, Any]) -> None:
        if "phase" in update:
            self.phase = update["phase"]
        if "screening" in update:
            self.screening = update["screening"]
        for question in update.get("questions", ()):
            if question.get("removed"):
                self.questions.pop(question["id"], None)
            else:
                self.questions[question["id"]] = copy.deepcopy(question)
        if "queue" in update:
            self.queue = update["queue"]
            self.on_air = update["on_air"]

    def apply_sync(self, result: dict[str, Any]) -> None:
        """Bring the state up to date with what `sync` answered."""
        if "snapshot" in result:
            self.__init__(result["snapshot"])  # type: ignore[misc]
            return
        for update in result["updates"]:
            self.apply(update, synced=True)
        self.version = result["version"]

    def as_dict(self) -> dict[str, Any]:
        """The room as this client shows it (the version aside: see `apply`)."""
        return {
            "phase": self.phase,
            "screening": self.screening,
            "questions": self.questions,
            "queue": self.queue,
            "on_air": self.on_air,
        }
