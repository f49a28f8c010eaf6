"""The browser's only path to Janus: its HTTP API at `/stage/janus`, for signed-in people, with
every request checked against the person's rights (docs/stage.md, "The browser's path").

Janus sessions and handles are remembered per server process: a browser keeps talking to the
process it started with (nginx routes `/stage/` by sign-in).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web
from sqlalchemy import select

from server.db import Database
from server.errors import PresessionError
from server.identity.principal import Principal
from server.identity.tokens import hash_bearer_token
from server.models import Login, utcnow
from server.stage import rights
from server.stage.janus import VIDEOROOM
from server.stage.service import PROXY_PATH, Stage

log = logging.getLogger(__name__)

# A Janus long poll answers within 30 s; a little more here.
_LONG_POLL = aiohttp.ClientTimeout(total=40)
_REQUEST = aiohttp.ClientTimeout(total=15)
MAX_SESSIONS_PER_PERSON = 8
MAX_HANDLES_PER_SESSION = 16
# Requests that may carry an SDP: offers to publish, answers to start or renegotiate watching.
_WITH_JSEP = frozenset({"publish", "configure", "start", "update", "subscribe", "switch"})
# Janus ends a session after 60 s without a request (our config's session_timeout).
FORGOTTEN_AFTER_S = 120.0
_STRIPPED = ("apisecret", "admin_secret", "token")


@dataclass
class _Session:
    person_id: int
    sign_in: str  # the hash of the bearer token it was created with
    handles: dict[int, rights.Handle | None] = field(default_factory=dict)
    # Joins sent and not yet answered: a handle becomes what it joined as only when Janus
    # says it joined (the HTTP answer to a join is only an `ack`).
    pending: dict[int, rights.Handle] = field(default_factory=dict)
    # Participant handles whose publishing Janus records, as this path last told it.
    recording: dict[int, bool] = field(default_factory=dict)
    seen: float = field(default_factory=time.monotonic)


class JanusProxy:
    def __init__(self, stage: Stage, database: Database, janus_url: str) -> None:
        self._stage = stage
        self._database = database
        self._url = janus_url.rstrip("/")
        self._sessions: dict[int, _Session] = {}
        self._http: aiohttp.ClientSession | None = None
        self._closing = False

    async def close(self) -> None:
        """End the held long polls at once (the server is stopping) and take no more."""
        self._closing = True
        if self._http is not None:
            await self._http.close()
            self._http = None

    # -- requests ----------------------------------------------------------------------------

    async def root(self, request: web.Request, principal: Principal, token: str) -> web.Response:
        message = await _message(request)
        if not self._stage.available:
            return _refusal(message, "The live stage is not available on this server.", 503)
        if message.get("janus") != "create":
            return _refusal(message, "Create a session first.")
        mine = sum(1 for held in self._sessions.values() if held.person_id == principal.person_id)
        if mine >= MAX_SESSIONS_PER_PERSON:
            return _refusal(message, "Too many stage connections at once; close one.", 429)
        answer = await self._forward(self._url, message)
        if answer.get("janus") == "success" and isinstance(answer.get("data"), dict):
            session_id = int(answer["data"]["id"])
            self._sessions[session_id] = _Session(principal.person_id, hash_bearer_token(token))
        return web.json_response(answer)

    async def session(
        self, request: web.Request, principal: Principal, session_id: int
    ) -> web.Response:
        held = self._owned(session_id, principal)
        if request.method == "GET":
            if held is None:
                return _refusal({}, "Not your stage connection.")
            return web.json_response(await self._long_poll(request, session_id))
        message = await _message(request)
        if held is None:
            return _refusal(message, "Not your stage connection.")
        verb = message.get("janus")
        if verb == "attach" and message.get("plugin") != VIDEOROOM:
            return _refusal(message, "Only the stage's rooms are open.")
        if verb == "attach" and len(held.handles) >= MAX_HANDLES_PER_SESSION:
            return _refusal(message, "Too many handles on one stage connection.", 429)
        if verb not in ("attach", "keepalive", "destroy"):
            return _refusal(message, f"{verb!r} is not open here.")
        answer = await self._forward(f"{self._url}/{session_id}", message)
        if verb == "attach" and answer.get("janus") == "success":
            held.handles[int(answer["data"]["id"])] = None
        if verb == "destroy" or _session_gone(answer):
            self._sessions.pop(session_id, None)
        return web.json_response(answer)

    async def handle(
        self, request: web.Request, principal: Principal, session_id: int, handle_id: int
    ) -> web.Response:
        message = await _message(request)
        held = self._owned(session_id, principal)
        if held is None or handle_id not in held.handles:
            return _refusal(message, "Not your stage connection.")
        verb = message.get("janus")
        joined: rights.Handle | None = None
        if verb == "message":
            body = message.get("body")
            if not isinstance(body, dict):
                return _refusal(message, "A message carries a body.")
            if handle_id in held.pending:
                return _refusal(message, "A join is under way on this handle; wait for it.")
            current = held.handles[handle_id]
            try:
                room = current.room if current is not None else body.get("room")
                seat = await self._stage.seat(principal, room)
                message["body"], joined = rights.check_message(body, current, seat)
                _check_jsep(message, body.get("request"), seat)
                if _publishes(message, current or joined):
                    # Each publication is recorded (or not) as the person's choice and the
                    # phase say now, into a piece of its own.
                    message["body"].update(self._recording(seat.room, seat.person_id, seat.record))
                    held.recording[handle_id] = seat.record
                    if seat.record:
                        await self._stage.recording_begins(self._stage.session_of(seat.room))
            except (rights.Refused, PresessionError) as refused:
                reason = refused.message if isinstance(refused, PresessionError) else str(refused)
                log.info(
                    "stage: refused %s for person %s: %s",
                    body.get("request"),
                    principal.person_id,
                    reason,
                )
                return _refusal(message, reason)
        elif verb not in ("trickle", "detach", "hangup"):
            return _refusal(message, f"{verb!r} is not open here.")
        if joined is not None:
            # Before sending: Janus's answer may come through the long poll before its ack.
            held.pending[handle_id] = joined
        try:
            answer = await self._forward(f"{self._url}/{session_id}/{handle_id}", message)
        except web.HTTPException:
            held.pending.pop(handle_id, None)
            raise
        if joined is not None and answer.get("janus") == "error":
            held.pending.pop(handle_id, None)
        if verb in ("detach", "hangup") or (
            verb == "message" and message["body"].get("request") in ("unpublish", "leave")
        ):
            held.recording.pop(handle_id, None)
        if verb == "detach":
            held.handles.pop(handle_id, None)
            held.pending.pop(handle_id, None)
        if _session_gone(answer):
            self._sessions.pop(session_id, None)
        return web.json_response(answer)

    # -- recording ---------------------------------------------------------------------------

    def _recording(self, room: int, person_id: int, record: bool) -> dict[str, Any]:
        """The fields that start (into a new piece) or stop a publisher's recording."""
        if not record:  # with the secret: the room's `lock_record` ignores a stop without it
            return {"record": False, "secret": self._stage.room_secret(room)}
        piece = f"p{person_id}-{int(time.time() * 1000)}-{secrets.token_hex(3)}"
        return {"record": True, "filename": piece, "secret": self._stage.room_secret(room)}

    async def sync_recording(self, room: int, feeds: dict[int, bool]) -> None:
        """Start or stop the recording of the publishers held here, as the round found them
        (the phase changed to Q&A, a speaker changed their choice). A change Janus did not
        take is tried again by the next round; the publishers are told at once, not in turn,
        so a slow Janus holds the round up once, not once per publisher."""
        changes = [
            (session_id, handle_id, held, feeds[handle.participant])
            for session_id, held in list(self._sessions.items())
            for handle_id, handle in list(held.handles.items())
            if handle is not None
            and handle.room == room
            and handle.participant in feeds
            and held.recording.get(handle_id, False) != feeds[handle.participant]
        ]
        await asyncio.gather(*(self._set_recording(room, *change) for change in changes))

    async def _set_recording(
        self, room: int, session_id: int, handle_id: int, held: _Session, wanted: bool
    ) -> None:
        before = held.recording.get(handle_id, False)
        held.recording[handle_id] = wanted  # a publish meanwhile says the same
        body = {"request": "configure", **self._recording(room, held.person_id, wanted)}
        try:
            answer = await self._forward(
                f"{self._url}/{session_id}/{handle_id}",
                {"janus": "message", "transaction": "record", "body": body},
            )
        except web.HTTPException:
            answer = {"janus": "error"}
        if answer.get("janus") == "error":
            log.warning(
                "stage: Janus did not take the recording change of handle %s: %s",
                handle_id,
                answer.get("error"),
            )
            if held.recording.get(handle_id) == wanted:
                held.recording[handle_id] = before  # so the next round sends it again

    # -- ending sign-ins ---------------------------------------------------------------------

    async def end_sign_in(self, token: str) -> int:
        """Destroy the Janus sessions of a sign-in that ended here (signed out)."""
        return await self._end({hash_bearer_token(token)})

    async def sweep(self) -> int:
        """Destroy the Janus sessions of sign-ins that ended elsewhere or expired; forget
        those the browser stopped using (Janus has timed them out by then)."""
        idle = time.monotonic() - FORGOTTEN_AFTER_S
        for session_id in [sid for sid, held in self._sessions.items() if held.seen < idle]:
            await self._destroy(session_id)
        held = {session.sign_in for session in self._sessions.values()}
        if not held:
            return 0
        async with self._database.read() as session:
            valid = set(
                (
                    await session.scalars(
                        select(Login.token_hash).where(
                            Login.token_hash.in_(held), Login.expires_at > utcnow()
                        )
                    )
                ).all()
            )
        return await self._end(held - valid)

    async def _end(self, sign_ins: set[str]) -> int:
        ended = [sid for sid, held in self._sessions.items() if held.sign_in in sign_ins]
        for session_id in ended:
            await self._destroy(session_id)
        return len(ended)

    async def end_person(self, person_id: int) -> int:
        """Destroy a person's Janus sessions here (a moderator removed them from the stage):
        their subscriptions end with them, whatever handles they kept."""
        ended = [sid for sid, held in self._sessions.items() if held.person_id == person_id]
        for session_id in ended:
            await self._destroy(session_id)
        return len(ended)

    async def _destroy(self, session_id: int) -> None:
        self._sessions.pop(session_id, None)
        with contextlib.suppress(web.HTTPException):
            await self._forward(
                f"{self._url}/{session_id}",
                {"janus": "destroy", "transaction": "end", "apisecret": self._stage.api_secret()},
                own_token=False,
            )

    # -- plumbing ----------------------------------------------------------------------------

    def _owned(self, session_id: int, principal: Principal) -> _Session | None:
        held = self._sessions.get(session_id)
        if held is None or held.person_id != principal.person_id:
            return None
        held.seen = time.monotonic()
        return held

    async def _forward(
        self, url: str, message: dict[str, Any], *, own_token: bool = True
    ) -> dict[str, Any]:
        if own_token:
            message = {k: v for k, v in message.items() if k not in _STRIPPED}
            message["token"] = self._stage.core_token()
        try:
            async with self._client().post(url, json=message, timeout=_REQUEST) as response:
                answer = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            log.warning("stage: Janus does not answer: %s", error)
            raise _reconnecting() from error
        if not isinstance(answer, dict):
            raise _reconnecting()
        return answer

    async def _long_poll(self, request: web.Request, session_id: int) -> Any:
        params = {"token": self._stage.core_token()}
        for key in ("rid", "maxev"):
            if key in request.query and request.query[key].isdigit():
                params[key] = request.query[key]
        try:
            async with self._client().get(
                f"{self._url}/{session_id}", params=params, timeout=_LONG_POLL
            ) as response:
                answer = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            raise _reconnecting() from error
        if _session_gone(answer):
            self._sessions.pop(session_id, None)
        held = self._sessions.get(session_id)
        if held is not None and held.pending:
            for event in answer if isinstance(answer, list) else [answer]:
                _settle(held, event)
        return answer

    def _client(self) -> aiohttp.ClientSession:
        if self._closing:
            raise _reconnecting()
        if self._http is None:
            # No pool limit: every stage page holds a long poll.
            self._http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        return self._http


def _settle(held: _Session, event: object) -> None:
    """A pending join's outcome, from Janus's event for that handle."""
    if not isinstance(event, dict) or not isinstance(event.get("sender"), int):
        return
    handle_id = event["sender"]
    if handle_id not in held.pending:
        return
    data = event.get("plugindata", {}).get("data", {}) if event.get("janus") == "event" else {}
    if isinstance(data, dict) and data.get("videoroom") in ("joined", "attached"):
        held.handles[handle_id] = held.pending.pop(handle_id)
    elif event.get("janus") in ("event", "detached", "hangup"):
        held.pending.pop(handle_id)  # refused (an id in use, say): it may join again


def _publishes(message: dict[str, Any], handle: rights.Handle | None) -> bool:
    """A participant's request that starts a publication (an offer), whose recording follows."""
    request = message["body"].get("request")
    return (
        handle is not None
        and handle.kind == rights.PARTICIPANT
        and "jsep" in message
        and request in ("publish", "configure", "joinandconfigure")
    )


def _check_jsep(message: dict[str, Any], request: object, seat: rights.Seat) -> None:
    if "jsep" not in message:
        return
    if request not in _WITH_JSEP:
        message.pop("jsep")
        return
    if (
        request in ("publish", "configure")
        and not seat.video
        and rights.offers_video(message["jsep"])
    ):
        raise rights.Refused("The floor is sound only: speak without the camera.")
    if request in ("publish", "configure") and rights.audio_outside_mid_zero(message["jsep"]):
        # Our pages send the microphone first (mid "0"), which is what a mute drops.
        raise rights.Refused("Send the microphone as the offer's first stream (mid 0).")


def _reconnecting() -> web.HTTPServiceUnavailable:
    return web.HTTPServiceUnavailable(
        text='{"janus": "error", "error": {"code": 503, "reason": "The stage is reconnecting."}}',
        content_type="application/json",
    )


def _session_gone(answer: Any) -> bool:
    return (
        isinstance(answer, dict)
        and answer.get("janus") == "error"
        and answer.get("error", {}).get("code") == 458
    )


async def _message(request: web.Request) -> dict[str, Any]:
    try:
        message = await request.json()
    except (ValueError, RecursionError):
        message = None
    if not isinstance(message, dict) or not isinstance(message.get("janus"), str):
        raise web.HTTPBadRequest(
            text='{"janus": "error", "error": {"code": 454, "reason": "Send a Janus request."}}',
            content_type="application/json",
        )
    return message


def _refusal(message: dict[str, Any], reason: str, code: int = 403) -> web.Response:
    answer: dict[str, Any] = {"janus": "error", "error": {"code": code, "reason": reason}}
    if "transaction" in message:
        answer["transaction"] = message["transaction"]
    return web.json_response(answer)


PATHS = (PROXY_PATH, PROXY_PATH + "/{janus_session}", PROXY_PATH + "/{janus_session}/{handle}")
