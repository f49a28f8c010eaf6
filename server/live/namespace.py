"""The `/live` namespace: one handler per event; each authenticates, validates and calls the
live room. Which role may send which event is the map below, applied in one place.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import socketio

from server.errors import Forbidden, Invalid, PresessionError, RateLimited, Unauthenticated
from server.identity.principal import ORGANISER_ROLES, Principal
from server.identity.service import Identity
from server.identity.tokens import SESSION_COOKIE, hash_bearer_token
from server.live import commands
from server.live.attendance import AttendanceRegister
from server.live.broadcast import (
    NAMESPACE,
    Broadcaster,
    audience_room,
    organisers_room,
    person_anywhere_room,
    person_room,
)
from server.live.connections import SignedInConnections
from server.live.room import LiveRoom
from server.models import Role
from server.settings import Settings
from server.stage.service import Stage
from server.wire import is_whole_number

log = logging.getLogger(__name__)

SIGNED_IN = frozenset(Role)
# event -> roles that may send it. Object-level checks (is this your session, your question)
# are made by the live room itself.
EVENT_PERMISSIONS: Mapping[str, frozenset[Role]] = {
    "join": SIGNED_IN,
    "sync": SIGNED_IN,
    "ask": frozenset({Role.DELEGATE}),
    "withdraw": frozenset({Role.DELEGATE}),
    "answer": frozenset({Role.SPEAKER}),
    "moderate": ORGANISER_ROLES,
    "phase": ORGANISER_ROLES,
    "screening": ORGANISER_ROLES,
    "stage": ORGANISER_ROLES,
    "stage_pass": SIGNED_IN,
}

Ack = dict[str, Any]
# Events that change something: each checks first that the sign-in is still valid (`join`
# reads the whole sign-in again itself), so a connection outliving its sign-in changes nothing.
SIGN_IN_CHECKED = frozenset(
    {"ask", "withdraw", "answer", "moderate", "phase", "screening", "stage", "stage_pass"}
)
# The names Socket.IO and Engine.IO use for themselves (python-socketio's own `connect` and
# `disconnect`; the JavaScript client's reserved events; Engine.IO's packet types). Only the
# server raises `connect` and `disconnect`; sent by a client, any of them is `unknown_event`.
RESERVED_EVENTS = frozenset(
    {
        "connect",
        "connect_error",
        "disconnect",
        "disconnecting",
        "newListener",
        "removeListener",
        "message",
        "open",
        "close",
        "ping",
        "pong",
        "upgrade",
        "noop",
        "error",
        "reconnect",
        "reconnect_attempt",
        "reconnect_error",
        "reconnect_failed",
        "__disconnect_final",
    }
)


class TokenBucket:
    """A per-person flood guard in front of the database's own limits (per process)."""

    def __init__(self, per_minute: int, burst: int) -> None:
        self._rate = per_minute / 60.0
        self._burst = float(burst)
        self._buckets: dict[int, tuple[float, float]] = {}

    def take(self, person_id: int) -> float:
        """0 when allowed; otherwise the seconds until the next request would be."""
        now = time.monotonic()
        tokens, last = self._buckets.get(person_id, (self._burst, now))
        tokens = min(self._burst, tokens + (now - last) * self._rate)
        if tokens < 1:
            self._buckets[person_id] = (tokens, now)
            return (1 - tokens) / self._rate
        self._buckets[person_id] = (tokens - 1, now)
        return 0.0


class LiveNamespace(socketio.AsyncNamespace):  # type: ignore[misc]
    def __init__(
        self,
        settings: Settings,
        identity: Identity,
        room: LiveRoom,
        attendance: AttendanceRegister,
        connections: SignedInConnections,
        broadcaster: Broadcaster,
        *,
        stage: Callable[[], Stage],
    ) -> None:
        super().__init__(NAMESPACE)
        self._identity = identity
        self._room = room
        self._attendance = attendance
        self._connections = connections
        self._broadcaster = broadcaster
        self._stage = stage  # started with the app, after the live room is mounted
        # Retries of an unacknowledged `ask` must pass, so the guard allows twice the limit.
        self._asks = TokenBucket(settings.questions_per_minute, 2 * settings.questions_per_minute)
        self._closing: set[asyncio.Task[None]] = set()
        self._open: set[str] = set()  # connections whose `disconnect` has not been handled

    # -- connection ------------------------------------------------------------------------

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: object) -> None:
        token = auth.get("token") if isinstance(auth, dict) else None
        if not isinstance(token, str) or not token:
            token = _cookie(environ.get("HTTP_COOKIE", ""), SESSION_COOKIE)
        principal = await self._identity.principal(token) if token else None
        if principal is None:
            raise socketio.exceptions.ConnectionRefusedError(
                {"code": "unauthenticated", "message": "Sign in with your invitation link first."}
            )
        assert token is not None, "a principal was found for it"
        state = {
            "token": token,
            "sign_in": hash_bearer_token(token),
            "principal": principal,
            "session": None,
        }
        await self.save_session(sid, state)
        self._open.add(sid)
        self._connections.add(token, sid)
        await self.enter_room(sid, person_anywhere_room(principal.person_id))
        if principal.is_organiser:
            await self.enter_room(sid, organisers_room(principal.event_id))

    async def on_disconnect(self, sid: str, reason: object = None) -> None:
        if sid not in self._open:
            return  # already gone (a client's fake `disconnect` that raced the real one)
        self._open.discard(sid)
        self._connections.remove(sid)
        for session_id, person_id in await self._attendance.departed(sid):
            await self._presence(session_id, person_id)

    async def trigger_event(self, event: str, *args: Any) -> Any:
        sid = args[0]
        if event in ("connect", "disconnect") and self._raised_by_server(event, sid):
            return await super().trigger_event(event, *args)
        data = args[1] if len(args) > 1 else None
        try:
            return await self._dispatch(event, sid, data)
        except PresessionError as error:
            return {"ok": False, "error": error.as_dict()}
        except asyncio.CancelledError:
            log.error("live room: %s was cancelled before it was answered", event)
            raise
        except Exception:
            log.exception("live room: %s failed", event)
            return {"ok": False, "error": {"code": "internal", "message": "Something went wrong."}}

    def _raised_by_server(self, event: str, sid: str) -> bool:
        """Whether a `connect` or `disconnect` comes from the Socket.IO server itself.

        python-socketio hands a client's events to the same `trigger_event`, but only once the
        connection is fully connected (`AsyncServer._handle_event`); the server's own
        `connect` comes while the connection is still pre-connected, and its `disconnect`
        once the connection is marked as disconnecting. A client event that arrives as the
        connection closes passes for the real `disconnect`, which is then a repeat and does
        nothing (`on_disconnect`).
        """
        manager = self.server.manager
        if event == "connect":
            return bool(manager.is_pre_connected(sid, NAMESPACE))
        return not manager.is_connected(sid, NAMESPACE)

    async def sign_ins(self) -> dict[str, str]:
        """Every connection open here, with the hash of the sign-in it was opened with."""
        held: dict[str, str] = {}
        for sid, _ in list(self.server.manager.get_participants(NAMESPACE, None)):
            sign_in = (await self.get_session(sid)).get("sign_in")
            if isinstance(sign_in, str):
                held[sid] = sign_in
        return held

    async def _dispatch(self, event: str, sid: str, data: object) -> Ack:
        if event in RESERVED_EVENTS:
            raise Invalid(f"{event!r} is reserved for Socket.IO itself.", code="unknown_event")
        roles = EVENT_PERMISSIONS.get(event)
        handler: Callable[[str, Principal, dict[str, Any]], Awaitable[Ack]] | None = getattr(
            self, f"handle_{event}", None
        )
        if roles is None or handler is None:
            raise Invalid(f"Unknown event {event!r}.", code="unknown_event")
        session = await self.get_session(sid)
        principal: Principal = session["principal"]
        if principal.role not in roles:
            raise Forbidden(f"Your role does not allow '{event}'.")
        if not isinstance(data, dict):
            raise Invalid("Send a JSON object.", code="bad_payload")
        if event in SIGN_IN_CHECKED and not await self._identity.still_signed_in(session["token"]):
            self._close_soon(sid)
            raise Unauthenticated("This sign-in has ended. Sign in again.")
        return await handler(sid, principal, data)

    # -- events ----------------------------------------------------------------------------

    async def handle_join(self, sid: str, principal: Principal, data: dict[str, Any]) -> Ack:
        session_id = commands.session_id(data)
        # The sign-in is read again: it may have been ended, or given new sessions.
        state = await self.get_session(sid)
        fresh = await self._identity.principal(state["token"])
        if fresh is None:
            raise Unauthenticated("This sign-in has ended. Sign in again.")
        if not fresh.may_enter(session_id):
            raise Forbidden("You are not a participant of this session.")
        previous = state.get("session")
        if previous is not None and previous != session_id:
            await self._leave(sid, fresh, previous)
            await self._attendance.departed(sid)
            await self._presence(previous, fresh.person_id)
        # Rooms first, snapshot second: an update in between is in both, never in neither.
        await self.enter_room(sid, audience_room(session_id, fresh.role))
        await self.enter_room(sid, person_room(session_id, fresh.person_id))
        state.update(principal=fresh, session=session_id)
        await self.save_session(sid, state)
        await self._attendance.arrived(session_id, fresh.person_id, sid)
        await self._presence(session_id, fresh.person_id)
        return {"ok": True, "snapshot": await self._room.snapshot(fresh, session_id)}

    async def handle_sync(self, sid: str, principal: Principal, data: dict[str, Any]) -> Ack:
        since = data.get("since")
        if not is_whole_number(since) or since < 0:
            raise Invalid("'since' is the last version you have, from 0.")
        return {"ok": True, **await self._room.sync(principal, commands.session_id(data), since)}

    async def handle_ask(self, sid: str, principal: Principal, data: dict[str, Any]) -> Ack:
        wait = self._asks.take(principal.person_id)
        if wait:
            raise RateLimited(f"Too many questions at once; try again in {math.ceil(wait)} s.")
        question = await self._room.ask(principal, commands.parse_ask(data))
        return {"ok": True, "question": question}

    async def handle_withdraw(self, sid: str, principal: Principal, data: dict[str, Any]) -> Ack:
        question = await self._room.withdraw(principal, data.get("question"))
        return {"ok": True, "question": question}

    async def handle_moderate(self, sid: str, principal: Principal, data: dict[str, Any]) -> Ack:
        question = await self._room.moderate(principal, commands.parse_moderate(data))
        return {"ok": True, "question": question}

    async def handle_answer(self, sid: str, principal: Principal, data: dict[str, Any]) -> Ack:
        question = await self._room.answer(principal, commands.parse_answer(data))
        return {"ok": True, "question": question}

    async def handle_phase(self, sid: str, principal: Principal, data: dict[str, Any]) -> Ack:
        result = await self._room.set_phase(principal, commands.parse_phase(data))
        return {"ok": True, **result}

    async def handle_screening(self, sid: str, principal: Principal, data: dict[str, Any]) -> Ack:
        result = await self._room.screening(principal, commands.parse_screening(data))
        return {"ok": True, **result}

    async def handle_stage(self, sid: str, principal: Principal, data: dict[str, Any]) -> Ack:
        stage = await self._stage().act(
            principal, commands.session_id(data), data.get("action"), data
        )
        return {"ok": True, "stage": stage}

    async def handle_stage_pass(self, sid: str, principal: Principal, data: dict[str, Any]) -> Ack:
        # Rights come from the sign-in as it is now: it may have ended since the connection.
        fresh = await self._identity.principal((await self.get_session(sid))["token"])
        if fresh is None:
            raise Unauthenticated("This sign-in has ended. Sign in again.")
        return {"ok": True, "pass": await self._stage().pass_for(fresh, commands.session_id(data))}

    # -- helpers ---------------------------------------------------------------------------

    def _close_soon(self, sid: str) -> None:
        """Close a connection whose sign-in has ended, once its answer is on its way."""

        async def close() -> None:
            await asyncio.sleep(0.05)  # the error answer is queued before the close
            await self.disconnect(sid)

        task = asyncio.create_task(close())
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def _leave(self, sid: str, principal: Principal, session_id: int) -> None:
        await self.leave_room(sid, audience_room(session_id, principal.role))
        await self.leave_room(sid, person_room(session_id, principal.person_id))

    async def _presence(self, session_id: int, person_id: int) -> None:
        entry = await self._attendance.person_present(session_id, person_id)
        await self._broadcaster.presence_changed(session_id, person_id, entry)


def _cookie(header: str, name: str) -> str | None:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name and value:
            return value
    return None
