"""The stage of each country session: what the moderators decide (live, floor, mute, remove)
is a journalled live-room change; a reconcile round then makes Janus match the database.

The database is the truth. Janus holds only what can be rebuilt from it: a restarted Janus
gets its rooms back at the next round, and the browsers join again with new passes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from server.db import Database
from server.errors import Conflict, Forbidden, Invalid, NotFound, Unavailable
from server.identity.principal import Principal
from server.jobs import JobQueue
from server.live.journal import SessionWrite
from server.models import (
    CountrySession,
    Mission,
    Person,
    Phase,
    QaRecording,
    QaRecordingState,
    Question,
    QuestionStatus,
    Role,
    SessionAccess,
)
from server.stage import rights
from server.stage.config import StageConfig
from server.stage.janus import JanusClient, JanusError, JanusUnreachable, signed_token
from server.stage.overflow import Overflow
from server.stage.recording import QA_RECORDING, consenting

log = logging.getLogger(__name__)

Write = Callable[[int], AbstractAsyncContextManager[SessionWrite]]
ACTIONS = ("open", "close", "give_floor", "take_floor", "mute", "remove")
PROXY_PATH = "/stage/janus"
ROUND_S = 1.0
_MAX_BACKOFF_S = 8.0
PASS_LIFETIME_S = 4 * 3600
CORE_TOKEN_LIFETIME_S = 120
_MAX_ID = 2**63 - 1


def _id(raw: object, field: str) -> int:
    if not isinstance(raw, int) or isinstance(raw, bool) or not 1 <= raw <= _MAX_ID:
        raise Invalid(f"'{field}' is an id.")
    return raw


async def stage_view(
    session: AsyncSession, country_session: CountrySession, *, available: bool
) -> dict[str, Any]:
    """The stage as every participant of the session sees it (docs/stage.md)."""
    state = country_session.stage_state or {}
    floor = None
    if country_session.stage_floor_mission_id is not None:
        mission = await session.get(Mission, country_session.stage_floor_mission_id)
        if mission is not None:
            floor = {
                "mission": _mission(mission),
                "video": country_session.stage_floor_video,
                "question": country_session.stage_floor_question_id,
            }
    offer = None
    on_air = (
        await session.execute(
            select(Question.id, Question.to_statement_id, Mission)
            .join(Mission, Mission.id == Question.mission_id)
            .where(
                Question.country_session_id == country_session.id,
                Question.status == QuestionStatus.ON_AIR,
            )
        )
    ).first()
    if on_air is not None:
        question_id, to, mission = on_air
        offer = {"mission": _mission(mission), "question": question_id, "to": to}
    return {
        "available": available,
        "live": country_session.stage_live,
        "reachable": bool(state.get("reachable", True)),
        "floor": floor,
        "offer": offer,
        "on_stage": list(state.get("on_stage", [])),
        "muted": list(state.get("muted", [])),
        "removed": list(state.get("removed", [])),
        # What is said on the stage now goes into the Q&A recording (of those who agreed).
        "recording": bool(
            country_session.stage_live
            and state.get("recorded")
            and country_session.phase is Phase.QA
        ),
    }


def _mission(mission: Mission) -> dict[str, Any]:
    return {"id": mission.id, "country": mission.country, "name": mission.name}


async def record_stage(write: SessionWrite, *, available: bool) -> dict[str, Any]:
    view = await stage_view(write.session, write.country_session, available=available)
    write.record("stage", {"stage": view})
    return view


async def floor_follows_queue(write: SessionWrite, *, available: bool) -> None:
    """A question went on air or was answered: the floor goes back, the offer follows."""
    room = write.country_session
    if not room.stage_live:
        return
    room.stage_floor_mission_id = None
    room.stage_floor_question_id = None
    room.stage_floor_video = False
    await record_stage(write, available=available)


def close_stage(room: CountrySession) -> None:
    """End the stage (the session closes, or a moderator ends it)."""
    room.stage_live = False
    room.stage_floor_mission_id = room.stage_floor_question_id = None
    room.stage_floor_video = False
    room.stage_state = {"on_stage": [], "muted": [], "removed": [], "reachable": True}


@dataclass
class _Known:
    """Who a participant in a Janus room is, as our database says."""

    person: Person
    may_publish: bool
    records: bool = False  # what they publish goes into the Q&A recording


class Stage:
    def __init__(self, database: Database, config: StageConfig | None, write: Write) -> None:
        self._database = database
        self._config = config
        self._write = write
        self._janus = None if config is None else JanusClient(config.janus_url, config.api_secret)
        self.overflow = Overflow(self._janus, config, database)  # docs/stage.md: the overflow
        self._wake = asyncio.Event()
        self._rooms: set[int] = set()  # rooms this process knows Janus has
        self._muted_in_janus: set[tuple[int, int]] = set()  # (room, participant)
        self.reachable = False
        self.rounds = 0
        self._failures = 0
        # Set by the app: end a removed person's stage connections held by this process.
        self.on_removed: Callable[[int], Awaitable[object]] | None = None
        # Set by the app: each round, a room's publishing feeds and whether each is recorded,
        # for the browser's path to start or stop the recording of the publishers it holds.
        self.on_publishing: Callable[[int, dict[int, bool]], Awaitable[object]] | None = None
        # Set by the app: where the Q&A recording job of a closed session is queued.
        self.jobs: JobQueue | None = None
        self._recording_rows: set[int] = set()  # sessions known to have their QaRecording

    @property
    def records(self) -> bool:
        """Whether this server records the stage (the Q&A phase, as each person allows)."""
        return self._config is not None and self._config.recordings_dir is not None

    def recordings_of(self, session_id: int) -> str:
        """The folder Janus writes a session's pieces into (as Janus sees it)."""
        assert self._config is not None
        assert self._config.recordings_dir is not None
        return str(self._config.recordings_dir / f"session-{session_id}")

    @property
    def available(self) -> bool:
        return self._config is not None

    @property
    def config(self) -> StageConfig | None:
        return self._config

    def wake(self) -> None:
        """Reconcile now rather than at the next round (a stage change was committed)."""
        self._wake.set()

    async def close(self) -> None:
        await self.overflow.close()
        if self._janus is not None:
            await self._janus.close()

    def api_secret(self) -> str:
        assert self._config is not None, "only asked when the stage is available"
        return self._config.api_secret

    def session_of(self, room: int) -> int:
        assert self._config is not None, "only asked when the stage is available"
        session_id = rights.session_of_room(room, self._config.room_base)
        assert session_id is not None, "a seat's room is a session's"
        return session_id

    def room_secret(self, room: int) -> str:
        assert self._config is not None, "only asked when the stage is available"
        return rights.room_secret(self._config.secret, room)

    def core_token(self) -> str:
        """A short-lived signed Janus token for one proxied browser request."""
        assert self._config is not None, "only asked when the stage is available"
        return signed_token(self._config.token_secret, CORE_TOKEN_LIFETIME_S)

    # -- what moderators do ------------------------------------------------------------------

    async def act(
        self, principal: Principal, session_id: int, action: object, data: dict[str, Any]
    ) -> dict[str, Any]:
        if not isinstance(action, str) or action not in ACTIONS:
            raise Invalid(f"'action' must be one of: {', '.join(ACTIONS)}.", code="bad_action")
        if not principal.may_enter(session_id):
            raise Forbidden("You are not a participant of this session.")
        if not self.available:
            raise Unavailable(
                "The live stage is not available on this server.", code="stage_unavailable"
            )
        async with self._write(session_id) as write:
            await self._apply(write, action, data)
            view = await record_stage(write, available=True)
        if action == "remove":
            await self._after_removal(session_id, data)
        self.wake()
        return view

    async def _after_removal(self, session_id: int, data: dict[str, Any]) -> None:
        """A removed person loses their place in the room's `allowed` list and, in this
        process, their Janus sessions (the round kicks them from the room everywhere)."""
        config = self._require()
        assert self._janus is not None, "a stage has a Janus"
        person_id = _id(data.get("person"), "person")
        removed = data.get("removed", True) is True
        room = rights.room_id(session_id, config.room_base)
        try:
            await self._janus.request(
                {
                    "request": "allowed",
                    "secret": rights.room_secret(config.secret, room),
                    "action": "remove" if removed else "add",
                    "room": room,
                    "allowed": [rights.room_token(config.secret, room, person_id)],
                }
            )
        except JanusError as error:  # no room yet, or Janus away: the pass adds it back anyway
            log.info("stage: allowed list of room %s: %s", room, error)
        if removed and self.on_removed is not None:
            await self.on_removed(person_id)

    async def _apply(self, write: SessionWrite, action: str, data: dict[str, Any]) -> None:
        room = write.country_session
        state = dict(room.stage_state or {})
        if action == "open":
            if room.phase not in (Phase.SCREENING, Phase.QA):
                raise Conflict(
                    "The stage opens in the screening or the Q&A phase.", code="bad_phase"
                )
            if room.stage_live:
                raise Conflict("The stage is already live.", code="stage_live")
            close_stage(room)  # a fresh start
            room.stage_live = True
            room.stage_state = {
                **(room.stage_state or {}),
                "reachable": self.reachable,
                "recorded": self.records,
            }
            return
        if not room.stage_live:
            raise Conflict("The stage is not live.", code="stage_closed")
        if action == "close":
            close_stage(room)
        elif action == "give_floor":
            await self._give_floor(write, data)
        elif action == "take_floor":
            if room.stage_floor_mission_id is None:
                raise Conflict("Nobody has the floor.", code="no_floor")
            room.stage_floor_mission_id = room.stage_floor_question_id = None
            room.stage_floor_video = False
        else:
            person_id = _id(data.get("person"), "person")
            person = await write.session.get(Person, person_id)
            if person is None or person.event_id != room.event_id:
                raise NotFound("No such person in this event.")
            flag = data.get("muted" if action == "mute" else "removed", True)
            if not isinstance(flag, bool):
                raise Invalid(f"'{'muted' if action == 'mute' else 'removed'}' is true or false.")
            key = "muted" if action == "mute" else "removed"
            people = set(state.get(key, []))
            people = people | {person_id} if flag else people - {person_id}
            state[key] = sorted(people)
            room.stage_state = state

    async def _give_floor(self, write: SessionWrite, data: dict[str, Any]) -> None:
        room = write.country_session
        video = data.get("video", False)
        if not isinstance(video, bool):
            raise Invalid("'video' is true or false.")
        question_id = None
        raw = data.get("mission")
        if raw is None:
            on_air = (
                await write.session.execute(
                    select(Question.id, Question.mission_id).where(
                        Question.country_session_id == room.id,
                        Question.status == QuestionStatus.ON_AIR,
                    )
                )
            ).first()
            if on_air is None:
                raise Conflict(
                    "No question is on air: name the delegation to give the floor to.",
                    code="no_offer",
                )
            question_id, mission_id = on_air
        else:
            mission_id = _id(raw, "mission")
            if await write.session.get(Mission, mission_id) is None:
                raise NotFound("No such mission.")
        room.stage_floor_mission_id = mission_id
        room.stage_floor_question_id = question_id
        room.stage_floor_video = video

    # -- what participants get ---------------------------------------------------------------

    async def pass_for(self, principal: Principal, session_id: int) -> dict[str, Any]:
        """What the browser needs to join the session's room, with this person's rights now."""
        config = self._require()
        seat = await self.seat(principal, rights.room_id(session_id, config.room_base))
        if principal.role is Role.DELEGATE and not seat.may_publish:
            if self.overflow.full(session_id, principal.person_id):
                return self._overflow_pass(principal, session_id)
            self.overflow.reserve(session_id, principal.person_id)
        assert self._janus is not None, "a stage has a Janus"
        try:
            await self._ensure_room(seat.room)
            await self._janus.request(
                {
                    "request": "allowed",
                    "secret": rights.room_secret(config.secret, seat.room),
                    "action": "add",
                    "room": seat.room,
                    "allowed": [seat.token],
                }
            )
        except JanusError as error:
            log.warning("stage: no pass for session %s: %s", session_id, error)
            raise Unavailable(
                "The stage is reconnecting; try again in a moment.", code="stage_unreachable"
            ) from error
        async with self._database.read() as session:
            room = await session.get(CountrySession, session_id)
            assert room is not None, "checked by seat()"
            video = principal.role is not Role.DELEGATE or room.stage_floor_video
        return {
            "janus": PROXY_PATH,
            "room": seat.room,
            "participants": list(seat.participants),
            "token": seat.token,
            "person": principal.person_id,
            "may_publish": seat.may_publish,
            "video": video,
            "recorded": seat.record,
            "ice_servers": self._ice_servers(principal.person_id),
            "expires_at": int(time.time()) + PASS_LIFETIME_S,
        }

    def _overflow_pass(self, principal: Principal, session_id: int) -> dict[str, Any]:
        """Beyond the WebRTC viewers the stage takes: the stage as HLS, no Janus rights."""
        return {
            "overflow": self.overflow.urls(session_id),
            "person": principal.person_id,
            "may_publish": False,
            "video": False,
            "expires_at": int(time.time()) + PASS_LIFETIME_S,
        }

    async def seat(self, principal: Principal, room_id: object) -> rights.Seat:
        """The person's rights in one room now, or `rights.Refused` saying why not."""
        config = self._require()
        session_id = rights.session_of_room(room_id, config.room_base)
        if session_id is None or not principal.may_enter(session_id):
            raise Forbidden("That is not the stage of one of your sessions.")
        async with self._database.read() as session:
            room = await session.get(CountrySession, session_id)
            if room is None:
                raise NotFound("No such session.")
            if not room.stage_live:
                raise Conflict("The stage is not live.", code="stage_closed")
            if not rights.may_watch(principal, session_id, room.phase):
                raise Conflict("The stage opens to delegates in the Q&A phase.", code="not_in_qa")
            if principal.person_id in (room.stage_state or {}).get("removed", []):
                raise Forbidden("A moderator removed you from the stage.", code="removed")
            floor = _floor(room)
            video = principal.role is not Role.DELEGATE or room.stage_floor_video
            consents = principal.role is Role.SPEAKER and principal.person_id in await consenting(
                session, session_id, {principal.person_id}
            )
            record = rights.may_record(
                principal.role,
                room.phase,
                recorded=bool((room.stage_state or {}).get("recorded")) and self.records,
                consents=consents,
            )
        room_number = rights.room_id(session_id, config.room_base)
        return rights.Seat(
            person_id=principal.person_id,
            room=room_number,
            token=rights.room_token(config.secret, room_number, principal.person_id),
            participants=rights.participant_ids(config.secret, room_number, principal.person_id),
            may_publish=rights.may_publish(
                principal.role, principal.mission_id, floor, on_panel=True
            ),
            video=video,
            record=record,
        )

    def _ice_servers(self, person_id: int) -> list[dict[str, Any]]:
        config = self._require()
        if not config.turn_urls or config.turn_secret is None:
            return []
        username, credential = rights.turn_credentials(
            config.turn_secret, person_id, PASS_LIFETIME_S
        )
        return [{"urls": list(config.turn_urls), "username": username, "credential": credential}]

    def _require(self) -> StageConfig:
        if self._config is None:
            raise Unavailable(
                "The live stage is not available on this server.", code="stage_unavailable"
            )
        return self._config

    # -- making Janus match ------------------------------------------------------------------

    async def run(self) -> None:
        """Reconcile every round (at once when woken), backing off while Janus is away."""
        backoff = ROUND_S
        while True:
            self._wake.clear()  # before the round: a wake during it brings the next at once
            try:
                await self.reconcile()
                backoff, self._failures = ROUND_S, 0
            except JanusUnreachable as error:
                self._failures += 1
                backoff = min(backoff * 2, _MAX_BACKOFF_S)
                # A late answer twice in a row before saying so: one is not an outage. Refused
                # connections, or a forgotten session (Janus restarted), are said at once.
                if not error.slow or self._failures >= 2 or not self.reachable:
                    await self._safely(self._unreachable(error))
            except Exception:
                log.exception("stage: a reconcile round failed")
                backoff = min(backoff * 2, _MAX_BACKOFF_S)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), backoff)

    async def _safely(self, work: Awaitable[None]) -> None:
        try:
            await work
        except Exception:
            log.exception("stage: journalling Janus's absence failed")

    async def reconcile(self) -> None:
        """One round: rooms for live stages, none for others; publishers checked; who is on
        stage journalled when it changed."""
        if self._janus is None:
            return
        self.rounds += 1
        config = self._require()
        async with self._database.read() as session:
            live = (
                await session.scalars(select(CountrySession).where(CountrySession.stage_live))
            ).all()
            wanted = {rights.room_id(room.id, config.room_base): room for room in live}
        await self.overflow.keep({room.id for room in live})  # even while Janus is away
        await self._janus.keepalive()
        extra = await self._our_rooms() - set(wanted)
        if extra:
            async with self._database.read() as session:
                still = set(
                    (
                        await session.scalars(
                            select(CountrySession.id).where(CountrySession.stage_live)
                        )
                    ).all()
                )
            for room_number in extra:  # unless a stage went live since the round began
                if rights.session_of_room(room_number, config.room_base) not in still:
                    await self._each_room(room_number, self._destroy(room_number))
        was_reachable, self.reachable = self.reachable, True
        for room_number, room in wanted.items():
            await self._each_room(room_number, self._check_room(room_number, room, was_reachable))
        await self._queue_recordings()

    async def _queue_recordings(self) -> None:
        """The Q&A recording of each session that closed while being recorded is queued, once
        (however many server processes run this round)."""
        if self.jobs is None:
            return
        async with self._database.read() as session:
            closed = (
                await session.scalars(
                    select(QaRecording.country_session_id)
                    .join(CountrySession, CountrySession.id == QaRecording.country_session_id)
                    .where(
                        QaRecording.state == QaRecordingState.RECORDING,
                        CountrySession.phase == Phase.CLOSED,
                    )
                )
            ).all()
        for session_id in closed:
            async with self._database.write() as session:
                taken = await session.execute(
                    update(QaRecording)
                    .where(
                        QaRecording.country_session_id == session_id,
                        QaRecording.state == QaRecordingState.RECORDING,
                    )
                    .values(state=QaRecordingState.PROCESSING)
                )
                if taken.rowcount == 1:  # type: ignore[attr-defined]
                    self.jobs.enqueue(session, QA_RECORDING, None, {"session": session_id})
            if taken.rowcount == 1:  # type: ignore[attr-defined]
                log.info("stage: the Q&A recording of session %s is queued", session_id)
                self.jobs.wake()

    async def _each_room(self, room_number: int, work: Awaitable[None]) -> None:
        """One room's trouble is logged, and the others are still checked."""
        try:
            await work
        except JanusUnreachable:
            raise
        except Exception:
            log.exception("stage: room %s could not be checked", room_number)

    async def _check_room(
        self, room_number: int, room: CountrySession, was_reachable: bool
    ) -> None:
        await self._ensure_room(room_number)
        on_stage, feeds = await self._police(room_number, room)
        if any(feeds.values()):
            await self.recording_begins(room.id)
        if self.on_publishing is not None:
            await self.on_publishing(room_number, feeds)
        state = room.stage_state or {}
        if not was_reachable or state.get("on_stage") != on_stage or not state.get("reachable"):
            await self._journal(room.id, on_stage=on_stage, reachable=True)
        await self.overflow.follow(room, room_number, on_stage)

    async def recording_begins(self, session_id: int) -> None:
        """The session's Q&A recording exists from its first recorded piece (the browser's
        path says so as it starts one; the round as it sees one)."""
        if session_id in self._recording_rows:
            return
        try:
            async with self._database.write() as session:
                if (
                    await session.scalar(
                        select(QaRecording.id).where(QaRecording.country_session_id == session_id)
                    )
                    is None
                ):
                    session.add(QaRecording(country_session_id=session_id))
        except IntegrityError:
            pass  # another server process made it first
        self._recording_rows.add(session_id)

    async def _our_rooms(self) -> set[int]:
        assert self._janus is not None
        assert self._config is not None
        answer = await self._janus.request({"request": "list", "admin_key": self._config.admin_key})
        base = self._config.room_base
        found = {
            int(item["room"])
            for item in answer.get("list", [])
            if isinstance(item.get("room"), int) and rights.session_of_room(item["room"], base)
        }
        return found | self._rooms

    async def _ensure_room(self, room_number: int) -> None:
        assert self._janus is not None
        assert self._config is not None
        if room_number in self._rooms:
            exists = await self._janus.request({"request": "exists", "room": room_number})
            if exists.get("exists"):
                return
            self._rooms.discard(room_number)
        try:
            await self._janus.request(
                {
                    "request": "create",
                    "room": room_number,
                    "admin_key": self._config.admin_key,
                    "secret": rights.room_secret(self._config.secret, room_number),
                    "description": f"Presession stage {room_number}",
                    # Not private: `list` then shows our rooms without an admin key (the
                    # browser's path refuses `list` anyway).
                    "is_private": False,
                    "lock_record": True,
                    "bitrate_cap": True,
                    "permanent": False,
                    "require_pvtid": True,
                    "allowed": [],
                    "publishers": 12,
                    "bitrate": 768_000,
                    "fir_freq": 2,
                    "audiolevel_event": True,
                    "notify_joining": False,
                    **(await self._rec_dir(room_number)),
                }
            )
            log.info("stage: room %s created", room_number)
        except JanusError as error:
            if error.code != 427:  # 427: the room exists already (another process made it)
                raise
        self._rooms.add(room_number)

    async def _rec_dir(self, room_number: int) -> dict[str, str]:
        """Where the room's recorded pieces go: a folder per session (the pieces are named
        per publication by the browser's path, which starts and stops each one)."""
        assert self._config is not None
        session_id = rights.session_of_room(room_number, self._config.room_base)
        if not self.records or session_id is None:
            return {}
        folder = self.recordings_of(session_id)
        await asyncio.to_thread(_make_folder, folder)
        return {"rec_dir": folder}

    async def _destroy(self, room_number: int) -> None:
        assert self._janus is not None
        assert self._config is not None
        try:
            await self._janus.request(
                {
                    "request": "destroy",
                    "room": room_number,
                    "secret": rights.room_secret(self._config.secret, room_number),
                }
            )
            log.info("stage: room %s destroyed", room_number)
        except JanusError as error:
            if error.code not in (426, 433):  # no such room; not ours (another deployment's)
                raise
        self._rooms.discard(room_number)
        self._muted_in_janus = {item for item in self._muted_in_janus if item[0] != room_number}

    async def _police(
        self, room_number: int, room: CountrySession
    ) -> tuple[list[dict[str, Any]], dict[int, bool]]:
        """Kick whoever may not be in the room or may not publish; who is on stage now, and
        each publishing feed with whether it is recorded."""
        assert self._janus is not None
        assert self._config is not None
        secret = rights.room_secret(self._config.secret, room_number)
        answer = await self._janus.request({"request": "listparticipants", "room": room_number})
        participants = answer.get("participants", [])
        self.overflow.saw(room.id, participants)
        people = await self._people(room, participants)
        state = room.stage_state or {}
        muted, removed = set(state.get("muted", [])), set(state.get("removed", []))
        on_stage = []
        feeds: dict[int, bool] = {}
        for participant in participants:
            participant_id = participant.get("id")
            person_id = rights.person_of_display(participant.get("display"))
            known = people.get(person_id) if person_id is not None else None
            issued = (
                known is not None
                and isinstance(participant_id, int)
                and rights.is_issued(
                    self._config.secret, room_number, known.person.id, participant_id
                )
            )
            publishing = bool(participant.get("publisher"))
            if (
                not issued
                or known is None
                or known.person.id in removed
                or (publishing and not known.may_publish)
            ):
                await self._kick(room_number, secret, participant_id)
                continue
            if not publishing:
                continue
            is_muted = known.person.id in muted
            await self._mute(room_number, secret, participant_id, muted=is_muted)
            on_stage.append(_on_stage_entry(known.person, participant_id, muted=is_muted))
            feeds[participant_id] = known.records
        on_stage.sort(key=lambda entry: (entry["role"] == "delegate", entry["name"], entry["feed"]))
        return on_stage, feeds

    async def _people(
        self, room: CountrySession, participants: list[dict[str, Any]]
    ) -> dict[int, _Known]:
        async with self._database.read() as session:  # the floor as it is now
            fresh = await session.get(CountrySession, room.id)
        floor = _floor(fresh) if fresh is not None else None
        ids = {
            person_id
            for participant in participants
            if (person_id := rights.person_of_display(participant.get("display"))) is not None
        }
        if not ids:
            return {}
        async with self._database.read() as session:
            people = (
                await session.scalars(
                    select(Person)
                    .where(Person.id.in_(ids), Person.event_id == room.event_id)
                    .options(selectinload(Person.organisation), selectinload(Person.mission))
                )
            ).all()
            members = set(
                (
                    await session.scalars(
                        select(SessionAccess.person_id).where(
                            SessionAccess.country_session_id == room.id,
                            SessionAccess.person_id.in_(ids),
                        )
                    )
                ).all()
            )
            agreed = await consenting(session, room.id, ids)
        recorded = bool((room.stage_state or {}).get("recorded")) and self.records
        phase = fresh.phase if fresh is not None else room.phase
        known = {}
        for person in people:
            organiser = person.role in (Role.ADMIN, Role.MODERATOR)
            if not organiser and person.id not in members:
                continue
            known[person.id] = _Known(
                person,
                rights.may_publish(person.role, person.mission_id, floor, on_panel=True),
                rights.may_record(
                    person.role, phase, recorded=recorded, consents=person.id in agreed
                ),
            )
        return known

    async def _kick(self, room_number: int, secret: str, participant_id: object) -> None:
        assert self._janus is not None
        try:
            await self._janus.request(
                {"request": "kick", "room": room_number, "secret": secret, "id": participant_id}
            )
            log.info("stage: participant %s kicked from room %s", participant_id, room_number)
        except JanusUnreachable:
            raise
        except JanusError as error:  # gone in the meantime
            log.info("stage: kicking %s: %s", participant_id, error)

    async def _mute(
        self, room_number: int, secret: str, participant_id: int, *, muted: bool
    ) -> None:
        """Tell Janus to drop (or pass again) the publisher's audio: our pages publish audio
        first, so its mid is "0"."""
        assert self._janus is not None
        key = (room_number, participant_id)
        # Muting is sent every round: a publisher that publishes again has new streams.
        if not muted and key not in self._muted_in_janus:
            return
        try:
            await self._janus.request(
                {
                    "request": "moderate",
                    "room": room_number,
                    "secret": secret,
                    "id": participant_id,
                    "mid": "0",
                    "mute": muted,
                }
            )
        except JanusUnreachable:
            raise
        except JanusError as error:
            log.info("stage: muting %s: %s", participant_id, error)
            return
        if muted:
            self._muted_in_janus.add(key)
        else:
            self._muted_in_janus.discard(key)

    async def _journal(
        self, session_id: int, *, on_stage: list[dict[str, Any]] | None = None, reachable: bool
    ) -> None:
        async with self._write(session_id) as write:
            room = write.country_session
            if not room.stage_live:
                return
            state = dict(room.stage_state or {})
            fresh = {**state, "reachable": reachable}
            if on_stage is not None:
                fresh["on_stage"] = on_stage
            if fresh == state:
                return  # nothing new, or another server process journalled it first
            room.stage_state = fresh
            await record_stage(write, available=True)

    async def _unreachable(self, error: Exception) -> None:
        if self.reachable or self.rounds <= 1:
            log.warning("stage: Janus is unreachable, retrying: %s", error)
        self.reachable = False
        self.overflow.janus_lost()
        self._rooms.clear()
        self._muted_in_janus.clear()
        async with self._database.read() as session:
            live = (
                await session.scalars(select(CountrySession.id).where(CountrySession.stage_live))
            ).all()
        for session_id in live:
            await self._journal(session_id, reachable=False)


def _make_folder(path: str) -> None:
    Path(path).mkdir(parents=True, exist_ok=True)


def _floor(room: CountrySession) -> rights.Floor | None:
    if room.stage_floor_mission_id is None:
        return None
    return rights.Floor(room.stage_floor_mission_id, room.stage_floor_video)


def _on_stage_entry(person: Person, feed: int, *, muted: bool) -> dict[str, Any]:
    return {
        "person": person.id,
        "name": person.name,
        "role": person.role.value,
        "organisation": None if person.organisation is None else person.organisation.name,
        "mission": None
        if person.mission is None
        else {
            "id": person.mission.id,
            "country": person.mission.country,
            "name": person.mission.name,
        },
        "feed": feed,
        "muted": muted,
    }
