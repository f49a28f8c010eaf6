"""The overflow audience: each live stage in the Q&A phase forwarded by Janus (`rtp_forward`,
to UDP on 127.0.0.1) into one ffmpeg per session that writes low-latency HLS, for delegates
beyond the WebRTC viewers a stage takes. It costs Janus one forward per stream, whatever the
audience.

Nothing is stored: each reconcile round derives what to forward from the live stages (who
publishes, who has the floor, the question on air) and makes Janus and ffmpeg match. The
sound of every publisher not muted is mixed; the picture is the main speaker's (the
delegation with the floor, else the speaker the question on air is addressed to, else the
first speaker). When that set changes, the forwards are made again and ffmpeg starts again,
continuing the same playlists after an HLS discontinuity.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import socket
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from media import live_hls
from media.runner import run_tool
from server.db import Database
from server.identity.principal import Principal
from server.models import CountrySession, Phase, Question, QuestionStatus, Statement
from server.stage import rights
from server.stage.config import StageConfig
from server.stage.janus import JanusClient, JanusError, JanusUnreachable

log = logging.getLogger(__name__)

RUN_LIMIT_S = 6 * 3600  # one ffmpeg run; a longer stage goes on in a new run
STALL_S = 12.0  # a playlist unchanged this long (while ffmpeg runs): ffmpeg starts again
_FIRST_OUTPUT_S = 20.0  # the first segment may wait for a key frame and ffmpeg's probing
_BACKOFF_S = (1.0, 2.0, 4.0, 8.0)
_HEALTHY_RUN_S = 30.0
_RESERVED_S = 20.0  # a WebRTC pass counts as a viewer until Janus shows its participant
AUDIO_MID, VIDEO_MID = "0", "1"  # our pages publish audio first, then video
OPUS_PT, VP8_PT = 111, 96
HOST = "127.0.0.1"


@dataclass(frozen=True)
class Plan:
    """What one session's overflow carries: whose sound, and whose picture."""

    sound: tuple[int, ...]  # feeds (Janus participant ids), in the stage's order
    picture: int | None

    @property
    def feeds(self) -> tuple[int, ...]:
        extra = () if self.picture is None or self.picture in self.sound else (self.picture,)
        return self.sound + extra


def plan(
    on_stage: Iterable[Mapping[str, Any]], floor_mission: int | None, addressed: int | None
) -> Plan:
    """Pure: every unmuted publisher heard; the picture of the delegation with the floor,
    else of the speaker (person) the question on air is addressed to, else the first
    speaker, else whoever publishes first."""
    entries = list(on_stage)
    sound = tuple(entry["feed"] for entry in entries if not entry.get("muted"))

    def first(match: Any) -> int | None:
        return next((entry["feed"] for entry in entries if match(entry)), None)

    picture = (
        (
            floor_mission is not None
            and first(
                lambda entry: (
                    entry["role"] == "delegate"
                    and (entry.get("mission") or {}).get("id") == floor_mission
                )
            )
        )
        or (addressed is not None and first(lambda entry: entry["person"] == addressed))
        or first(lambda entry: entry["role"] == "speaker")
        or first(lambda entry: True)
    )
    return Plan(sound, picture or None)


def free_port_pair() -> int:
    """An even UDP port whose next one is free too (RTP, then RTCP), on 127.0.0.1."""
    for _ in range(100):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.bind((HOST, 0))
            port: int = probe.getsockname()[1]
        if port % 2 or port >= 65535:
            continue
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as rtp:
                rtp.bind((HOST, port))
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as rtcp:
                    rtcp.bind((HOST, port + 1))
        except OSError:
            continue
        return port
    raise OSError("no free pair of UDP ports")


@dataclass
class _Broadcast:
    """One session's overflow as it runs: its forwards in Janus and its ffmpeg."""

    session_id: int
    room: int
    plan: Plan
    streams: tuple[live_hls.RtpStream, ...] = ()
    forwards: dict[int, list[int]] = field(default_factory=dict)  # feed → Janus stream ids
    task: asyncio.Task[None] | None = None
    runs: int = 0


class Overflow:
    """The overflow of every live stage, as one reconcile round after another makes it."""

    def __init__(
        self, janus: JanusClient | None, config: StageConfig | None, database: Database
    ) -> None:
        self._janus = janus
        self._database = database
        self._config = config
        self._broadcasts: dict[int, _Broadcast] = {}
        self._viewers: dict[int, dict[int, int]] = {}  # session → participant → person
        self._reserved: dict[int, dict[int, float]] = {}  # session → person → when
        self.ffmpeg = shutil.which("ffmpeg")

    @property
    def available(self) -> bool:
        return self._janus is not None and self._config is not None and self._folder is not None

    @property
    def _folder(self) -> Path | None:
        return None if self._config is None else self._config.overflow_dir

    def folder_of(self, session_id: int) -> Path:
        assert self._folder is not None, "only asked when the overflow is available"
        return self._folder / str(session_id)

    def urls(self, session_id: int) -> dict[str, str]:
        base = f"/media/stage/{session_id}"
        return {
            "hls": f"{base}/{live_hls.PICTURE}/{live_hls.PLAYLIST}",
            "audio": f"{base}/{live_hls.SOUND}/{live_hls.PLAYLIST}",
        }

    def running(self, session_id: int) -> bool:
        broadcast = self._broadcasts.get(session_id)
        return broadcast is not None and broadcast.task is not None and not broadcast.task.done()

    # -- who watches by WebRTC ---------------------------------------------------------------

    def saw(self, session_id: int, participants: Iterable[Mapping[str, Any]]) -> None:
        """Janus's participants of the room this round: those not publishing are viewers."""
        self._viewers[session_id] = {
            participant["id"]: person
            for participant in participants
            if not participant.get("publisher")
            and isinstance(participant.get("id"), int)
            and (person := rights.person_of_display(participant.get("display"))) is not None
        }

    def full(self, session_id: int, person_id: int) -> bool:
        """Whether the stage's WebRTC viewers are all taken (by others than this person)."""
        if not self.available or self._config is None:
            return False
        seen = self._viewers.get(session_id, {})
        if person_id in seen.values():
            return False  # already watching by WebRTC (another tab, a reconnection)
        now = time.monotonic()
        reserved = {
            person
            for person, when in self._reserved.get(session_id, {}).items()
            if now - when < _RESERVED_S and person not in seen.values()
        }
        if person_id in reserved:
            return False
        return len(seen) + len(reserved) >= self._config.webrtc_viewers

    def reserve(self, session_id: int, person_id: int) -> None:
        """A WebRTC pass was given: it counts before Janus shows the participant."""
        now = time.monotonic()
        held = self._reserved.setdefault(session_id, {})
        for person in [person for person, when in held.items() if now - when >= _RESERVED_S]:
            del held[person]
        held[person_id] = now

    # -- making Janus and ffmpeg match -------------------------------------------------------

    async def follow(
        self, room: CountrySession, room_number: int, on_stage: list[dict[str, Any]]
    ) -> None:
        """One live stage this round: its overflow made to match who is on stage."""
        if not self.available or room.phase is not Phase.QA or not room.stage_live:
            await self.stop(room.id, forget=room.phase is not Phase.QA)
            return
        wanted = plan(on_stage, room.stage_floor_mission_id, await self._addressed(room))
        current = self._broadcasts.get(room.id)
        if current is not None and current.plan == wanted and await self._forwarding(current):
            return
        await self.stop(room.id, forget=False)
        if not wanted.feeds:
            return
        broadcast = _Broadcast(room.id, room_number, wanted)
        self._broadcasts[room.id] = broadcast
        await self._forward(broadcast)
        if not broadcast.streams:
            return  # nothing forwarded (the publishers left meanwhile): next round
        sdp_path = self.folder_of(room.id) / "stage.sdp"
        await asyncio.to_thread(_write_sdp, sdp_path, live_hls.sdp(broadcast.streams))
        spec = live_hls.LiveHls(sdp_path, self.folder_of(room.id), broadcast.streams)
        broadcast.task = asyncio.create_task(
            self._supervise(broadcast, spec), name=f"overflow-{room.id}"
        )
        log.info("stage overflow: session %s carries %s", room.id, wanted)

    async def keep(self, session_ids: set[int]) -> None:
        """End the overflow of every stage that is no longer live."""
        for session_id in set(self._broadcasts) - session_ids:
            await self.stop(session_id, forget=True)
        for session_id in set(self._viewers) - session_ids:
            self._viewers.pop(session_id, None)
            self._reserved.pop(session_id, None)

    def janus_lost(self) -> None:
        """Janus went away: its forwards went with it (made again when it is back)."""
        for broadcast in self._broadcasts.values():
            broadcast.forwards.clear()

    async def stop(self, session_id: int, *, forget: bool) -> None:
        """Stop the session's forwards and its ffmpeg; `forget` also deletes its playlists."""
        broadcast = self._broadcasts.pop(session_id, None)
        if broadcast is not None:
            if broadcast.task is not None:
                broadcast.task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await broadcast.task
            await self._unforward(broadcast)
        if forget and self._folder is not None:
            await asyncio.to_thread(shutil.rmtree, self.folder_of(session_id), True)

    async def close(self) -> None:
        for session_id in list(self._broadcasts):
            await self.stop(session_id, forget=False)

    async def _addressed(self, room: CountrySession) -> int | None:
        """The speaker (person) the question on air is addressed to, if any."""
        async with self._database.read() as session:
            speaker: int | None = await session.scalar(
                select(Statement.speaker_id)
                .join(Question, Question.to_statement_id == Statement.id)
                .where(
                    Question.country_session_id == room.id,
                    Question.status == QuestionStatus.ON_AIR,
                )
            )
        return speaker

    async def _forwarding(self, broadcast: _Broadcast) -> bool:
        """Whether Janus still has every forward of ours (a restarted Janus has none)."""
        if not broadcast.forwards:
            return False
        assert self._janus is not None
        answer = await self._janus.request(
            {"request": "listforwarders", "room": broadcast.room, "secret": self._secret(broadcast)}
        )
        present = {
            forwarder.get("stream_id")
            for publisher in answer.get("publishers", [])
            for forwarder in publisher.get("forwarders", [])
        }
        return all(stream_id in present for ids in broadcast.forwards.values() for stream_id in ids)

    async def _forward(self, broadcast: _Broadcast) -> None:
        """Forward each feed's sound (and the picture's video) to fresh local ports."""
        assert self._janus is not None
        streams: list[live_hls.RtpStream] = []
        for feed in broadcast.plan.feeds:
            wanted = []
            if feed in broadcast.plan.sound:
                wanted.append(("audio", AUDIO_MID, OPUS_PT, "opus"))
            if feed == broadcast.plan.picture:
                wanted.append(("video", VIDEO_MID, VP8_PT, "vp8"))
            ports = {kind: free_port_pair() for kind, *_ in wanted}
            request: dict[str, Any] = {
                "request": "rtp_forward",
                "room": broadcast.room,
                "secret": self._secret(broadcast),
                "admin_key": self._admin_key(),
                "publisher_id": feed,
                "host": HOST,
                "host_family": "ipv4",
                "streams": [
                    {"mid": mid, "port": ports[kind], "pt": pt} for kind, mid, pt, _ in wanted
                ],
            }
            try:
                answer = await self._janus.request(request)
            except JanusUnreachable:
                raise
            except JanusError as error:
                if len(wanted) < 2:
                    log.info("stage overflow: feed %s not forwarded: %s", feed, error)
                    continue
                # No video stream (a sound-only floor): its sound alone.
                wanted = wanted[:1]
                request["streams"] = request["streams"][:1]
                try:
                    answer = await self._janus.request(request)
                except JanusError as again:
                    log.info("stage overflow: feed %s not forwarded: %s", feed, again)
                    continue
            forwarded = {item.get("type"): item for item in answer.get("forwarders", [])}
            broadcast.forwards[feed] = [
                item["stream_id"]
                for item in forwarded.values()
                if isinstance(item.get("stream_id"), int)
            ]
            for kind, _, pt, codec in wanted:
                if kind in forwarded:
                    streams.append(live_hls.RtpStream(kind, codec, ports[kind], pt))
        # ffmpeg's inputs: the sound streams first (mixed in that order), then the picture.
        streams.sort(key=lambda stream: stream.kind != "audio")
        broadcast.streams = tuple(streams)

    async def _unforward(self, broadcast: _Broadcast) -> None:
        if self._janus is None:
            return
        for feed, stream_ids in broadcast.forwards.items():
            for stream_id in stream_ids:
                try:
                    await self._janus.request(
                        {
                            "request": "stop_rtp_forward",
                            "room": broadcast.room,
                            "secret": self._secret(broadcast),
                            "admin_key": self._admin_key(),
                            "publisher_id": feed,
                            "stream_id": stream_id,
                        }
                    )
                except JanusError as error:  # gone with its publisher, or Janus away
                    log.info("stage overflow: forward %s of %s: %s", stream_id, feed, error)
        broadcast.forwards.clear()

    def _admin_key(self) -> str:
        """`lock_rtp_forward`: forwarding needs the VideoRoom's admin key (our server's)."""
        assert self._config is not None
        return self._config.admin_key

    def _secret(self, broadcast: _Broadcast) -> str:
        assert self._config is not None
        return rights.room_secret(self._config.secret, broadcast.room)

    async def _supervise(self, broadcast: _Broadcast, spec: live_hls.LiveHls) -> None:
        """Run ffmpeg, and again with backoff whenever it ends or stalls, until cancelled."""
        assert self.ffmpeg is not None
        argv = [self.ffmpeg, *live_hls.live_hls_command(spec)[1:]]
        failures = 0
        loop = asyncio.get_running_loop()
        while True:
            broadcast.runs += 1
            started = loop.time()
            run = asyncio.create_task(run_tool(argv, time_limit=RUN_LIMIT_S, check=False))
            watchdog = asyncio.create_task(_stalled(spec.out_dir / live_hls.PICTURE))
            try:
                done, _ = await asyncio.wait({run, watchdog}, return_when=asyncio.FIRST_COMPLETED)
            finally:  # cancelled (the stage ended) or done: ffmpeg is killed and reaped
                for task in (run, watchdog):
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await task
            if run in done and not run.cancelled() and run.exception() is None:
                result = run.result()
                log.warning(
                    "stage overflow: ffmpeg of session %s ended (%s): %s",
                    broadcast.session_id,
                    result.returncode,
                    result.stderr.strip()[-500:],
                )
            else:
                log.warning("stage overflow: ffmpeg of session %s stalled", broadcast.session_id)
            failures = 0 if loop.time() - started > _HEALTHY_RUN_S else failures + 1
            await asyncio.sleep(_BACKOFF_S[min(failures, len(_BACKOFF_S) - 1)])


async def _stalled(folder: Path) -> None:
    """Return when the playlist stops changing (ffmpeg waits for packets that never come)."""
    playlist = folder / live_hls.PLAYLIST
    loop = asyncio.get_running_loop()
    started = loop.time()
    last: float | None = None
    changed = started
    while True:
        await asyncio.sleep(1.0)
        mtime = await asyncio.to_thread(_mtime, playlist)
        now = loop.time()
        if mtime != last:
            if last is not None or mtime is not None:
                changed = now
            last = mtime
        limit = STALL_S if last is not None and changed > started else _FIRST_OUTPUT_S
        if now - changed > limit:
            return


def _mtime(path: Path) -> float | None:
    try:
        return path.stat().st_mtime
    except OSError:
        return None


def _write_sdp(path: Path, text: str) -> None:
    for rendition in live_hls.RENDITIONS:
        (path.parent / rendition).mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="ascii")


@dataclass(frozen=True)
class _Watchable:
    live: bool
    phase: Phase
    removed: frozenset[int]
    until: float


class Gate:
    """Who may fetch a session's overflow files: whoever may watch its stage now (the same
    rule as the stage pass). The stage's state is read at most once a second per session,
    however many viewers fetch a segment and a playlist each second."""

    TTL_S = 1.0

    def __init__(self, database: Database) -> None:
        self._database = database
        self._known: dict[int, _Watchable] = {}

    async def may_watch(self, principal: Principal, session_id: int) -> bool:
        if not principal.may_enter(session_id):
            return False
        known = self._known.get(session_id)
        if known is None or known.until < time.monotonic():
            async with self._database.read() as session:
                room = await session.get(CountrySession, session_id)
            if room is None:
                return False
            known = _Watchable(
                room.stage_live,
                room.phase,
                frozenset((room.stage_state or {}).get("removed", [])),
                time.monotonic() + self.TTL_S,
            )
            self._known[session_id] = known
        if not known.live or principal.person_id in known.removed:
            return False
        return rights.may_watch(principal, session_id, known.phase)
