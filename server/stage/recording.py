"""The Q&A recording: the pieces Janus wrote while the stage was recorded become one video.

While a session's stage is recorded, each publication of each person who may be recorded is
written by Janus as one `.mjr` file per track, named by the browser's path
(`p<person>-<ms>-<tag>-<audio|video>-<mid>.mjr`, in `session-<id>/`). When the session
closes, this job turns each into a playable file with `janus-pp-rec`, lays them out on one
timeline (a grid of everyone who was on camera at once, the sound of everyone mixed), and
puts the result through the media pipeline like a statement: an HLS ladder, a download and a
poster. Speakers who did not agree to be recorded were never recorded; a speaker who withdrew
their agreement while the session was open is left out of it, and their pieces are deleted.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import ffmpeg
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from media.commands import DOWNLOAD, MASTER, POSTER
from media.errors import MediaRejected, ToolFailed
from media.pipeline import TranscodeOptions, discard, partial_dir, transcode
from media.probe import probe
from media.runner import run_ffmpeg, run_tool
from media.validation import Limits
from server.db import Database
from server.errors import Conflict, NotFound
from server.jobs import JobFatal
from server.models import Job, Person, QaRecording, QaRecordingState, Role, Statement, utcnow
from server.settings import Settings
from server.stage.config import PP_REC

log = logging.getLogger(__name__)
QA_RECORDING = "qa_recording"  # the job that makes the Q&A recording of a closed session

PIECE = re.compile(
    r"^(?P<publication>p(?P<person>\d{1,18})-(?P<ms>\d{1,16})-(?P<tag>[0-9a-f]{6}))"
    r"-(?P<kind>audio|video)-(?P<mid>\d{1,3})\.mjr$"
)
# A piece written to in the last few seconds may still be open in Janus: wait for it.
SETTLED_S = 3.0
WIDTH, HEIGHT, FPS = 1280, 720, 25
MAX_TILES = 9  # a 3x3 grid; more people on camera at once than that are heard, not seen
# The whole Q&A may be long: the pipeline's own duration limit is set well above a session.
MAX_DURATION_S = 8 * 3600.0
CONVERT_LIMIT_S = 300.0
FAILED_MESSAGE = (
    "The Q&A recording could not be made; the files Janus wrote are kept "
    "(`presession qa-recording retry` makes it again)."
)


@dataclass(frozen=True)
class Track:
    """One recorded track of one publication, placed on the session's timeline."""

    person_id: int
    publication: str  # `p<person>-<ms>-<tag>`: the tracks of one publication share it
    kind: str  # "audio" or "video"
    media: Path  # the playable file janus-pp-rec made of it
    started_at: datetime  # its first packet, as Janus wrote it in the piece's header
    duration_s: float


def pieces_in(folder: Path) -> list[Path]:
    """The recorded pieces in a session's folder, by name; anything else there is ignored."""
    if not folder.is_dir():
        return []
    return sorted(path for path in folder.iterdir() if PIECE.match(path.name) and path.is_file())


def still_written(pieces: list[Path], now: float) -> bool:
    return any(now - path.stat().st_mtime < SETTLED_S for path in pieces)


def tiles_for(spans: list[tuple[float, float]]) -> tuple[list[int], int]:
    """A tile for each video span (start, end), reusing a tile once its video ended; and how
    many tiles there are (the most on camera at once, at most MAX_TILES). A span that finds
    no free tile gets -1: it is heard, not seen."""
    ends: list[float] = []  # per tile, when its current video ends
    chosen = [-1] * len(spans)
    for index in sorted(range(len(spans)), key=lambda i: spans[i]):
        start, end = spans[index]
        free = next((tile for tile, busy in enumerate(ends) if busy <= start), None)
        if free is None and len(ends) < MAX_TILES:
            ends.append(end)
            free = len(ends) - 1
        elif free is not None:
            ends[free] = end
        if free is not None:
            chosen[index] = free
    return chosen, len(ends)


def grid(count: int) -> tuple[int, int]:
    """Columns and rows for `count` tiles: 1, 2 side by side, 2x2, 3x2, 3x3."""
    if count <= 1:
        return 1, 1
    columns = math.ceil(math.sqrt(count))
    return columns, math.ceil(count / columns)


def compose_command(tracks: list[Track], out: Path) -> list[str]:
    """One ffmpeg run: every video in its tile on a black canvas, every sound mixed, each at
    its place on the timeline; as long as the last track."""
    origin = min(track.started_at for track in tracks)
    offset = {id(track): (track.started_at - origin).total_seconds() for track in tracks}
    total = _total_s(tracks)
    videos = [track for track in tracks if track.kind == "video"]
    sounds = [track for track in tracks if track.kind == "audio"]
    chosen, count = tiles_for(
        [(offset[id(track)], offset[id(track)] + track.duration_s) for track in videos]
    )
    columns, rows = grid(count)
    tile_w, tile_h = _even(WIDTH // columns), _even(HEIGHT // rows)
    picture = ffmpeg.input(
        f"color=c=black:s={WIDTH}x{HEIGHT}:r={FPS}:d={total:.3f}", f="lavfi"
    ).video
    for track, tile in zip(videos, chosen, strict=True):
        if tile < 0:
            continue
        video = (
            _input(track)
            .video.filter("scale", tile_w, tile_h, force_original_aspect_ratio="decrease")
            .filter("pad", tile_w, tile_h, "(ow-iw)/2", "(oh-ih)/2")
            .filter("setsar", 1)
            .filter("setpts", f"PTS-STARTPTS+{offset[id(track)]:.3f}/TB")
        )
        column, row = tile % columns, tile // columns
        picture = ffmpeg.overlay(
            picture, video, x=column * tile_w + (WIDTH - columns * tile_w) // 2,
            y=row * tile_h + (HEIGHT - rows * tile_h) // 2, eof_action="pass",
        )  # fmt: skip
    mixed = [
        _input(track)
        .audio.filter("asetpts", "PTS-STARTPTS")
        # async: the gaps Janus left (a muted microphone, lost packets) become silence.
        .filter("aresample", 48000, **{"async": 1})
        .filter("adelay", f"{round(offset[id(track)] * 1000)}", all=1)
        for track in sounds
    ]
    if not mixed:
        sound = ffmpeg.input(f"anullsrc=r=48000:cl=stereo:d={total:.3f}", f="lavfi").audio
    elif len(mixed) == 1:
        sound = mixed[0]
    else:
        sound = ffmpeg.filter(mixed, "amix", inputs=len(mixed), duration="longest", normalize=0)
    command = ffmpeg.output(
        picture,
        sound,
        str(out),
        t=f"{total:.3f}",
        r=FPS,
        **{"c:v": "libx264", "preset": "veryfast", "crf": 20, "pix_fmt": "yuv420p"},
        **{"c:a": "aac", "b:a": "160k", "ac": 2, "ar": 48000},
        movflags="+faststart",
    ).global_args("-nostdin", "-hide_banner", "-nostats", "-loglevel", "level+warning")
    return list(ffmpeg.compile(command.global_args("-progress", "pipe:1"), overwrite_output=True))


def _input(track: Track) -> Any:
    # reinit_filter=0: a browser changes its picture size as its bandwidth changes; rebuilding
    # the filters then would restart the timestamps of everything after (the sound drifts).
    return ffmpeg.input(f"file:{track.media}", thread_queue_size=512, reinit_filter=0)


def _even(value: int) -> int:
    return value - value % 2


def timeline(tracks: list[Track], names: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    """Who is in the recording and when: one entry per publication (its sound and picture)."""
    if not tracks:
        return []
    origin = min(track.started_at for track in tracks)
    spans: dict[str, dict[str, Any]] = {}
    for track in sorted(tracks, key=lambda item: item.started_at):
        key = track.publication
        start = (track.started_at - origin).total_seconds()
        entry = spans.setdefault(
            key,
            {
                **names.get(track.person_id, {"person": track.person_id}),
                "from_s": round(start, 1),
                "to_s": round(start + track.duration_s, 1),
                "video": False,
            },
        )
        entry["to_s"] = max(entry["to_s"], round(start + track.duration_s, 1))
        entry["video"] = entry["video"] or track.kind == "video"
    return sorted(spans.values(), key=lambda entry: (entry["from_s"], str(entry.get("name"))))


class QaRecordingHandler:
    """The job that makes a closed session's Q&A recording (docs/stage.md, "Recording")."""

    def __init__(self, database: Database, settings: Settings) -> None:
        self._database = database
        self._settings = settings

    def pieces_dir(self, session_id: int) -> Path:
        return self._settings.recordings_dir / f"session-{session_id}"

    def out_dir(self, session_id: int) -> Path:
        return self._settings.media_dir / "sessions" / str(session_id) / "qa"

    async def run(self, job: Job) -> None:
        session_id = _session_of(job)
        folder = self.pieces_dir(session_id)
        pieces = await asyncio.to_thread(pieces_in, folder)
        if not pieces:
            await self._settle(session_id, QaRecordingState.EMPTY)
            return
        await _settled(pieces)
        withdrawn = await self._withdrawn(session_id, pieces)
        if withdrawn:
            # Their agreement was withdrawn after they were recorded: no file of them is kept.
            await asyncio.to_thread(_unlink, withdrawn)
            pieces = [piece for piece in pieces if piece not in withdrawn]
            log.info("stage: %d recorded pieces of session %s deleted", len(withdrawn), session_id)
        if not pieces:
            await self._settle(session_id, QaRecordingState.EMPTY)
            return
        if shutil.which(PP_REC) is None:
            raise JobFatal(f"{PP_REC} is not installed here (Debian's janus-tools)")
        qa = self.out_dir(session_id)
        work = partial_dir(qa, job.attempts)
        await asyncio.to_thread(_fresh, qa, work)  # and what a killed attempt left
        try:
            tracks = [track for piece in pieces if (track := await _convert(piece, work))]
            if not tracks:
                await self._settle(session_id, QaRecordingState.EMPTY)
                return  # the pieces stay, for a look
            composed = work / "composed.mp4"
            total = _total_s(tracks)
            await run_ffmpeg(
                compose_command(tracks, composed),
                time_limit=120.0 + 6.0 * total,
                duration_s=total,
            )
            out = qa / "v1"
            options = TranscodeOptions(
                limits=Limits(max_duration_s=MAX_DURATION_S),
                loudness_target=self._settings.loudness_target_lufs,
                preset=self._settings.transcode_preset,
            )
            try:
                result = await transcode(composed, out, options, work_dir=work / "ladder")
            except MediaRejected as rejection:
                raise JobFatal(f"the composed recording was refused: {rejection.code}") from None
            except ToolFailed as failure:
                if failure.fatal:
                    raise JobFatal(str(failure)) from failure
                raise
        finally:
            await asyncio.to_thread(shutil.rmtree, work, True)
        names = await self._names({track.person_id for track in tracks})
        media = {
            "duration_s": round(result.info.duration_s, 3),
            "width": result.ladder.top.width,
            "height": result.ladder.top.height,
            "master": f"v1/{MASTER}",
            "download": f"v1/{DOWNLOAD}",
            "poster": f"v1/{POSTER}",
        }
        await self._settle(
            session_id, QaRecordingState.READY, media=media, pieces=timeline(tracks, names)
        )
        # The pieces are in the recording now; Janus's raw files are not kept. Only those
        # listed: a piece written since (the stage opened again) waits for its own recording.
        await asyncio.to_thread(_unlink, pieces)
        log.info("stage: the Q&A recording of session %s is ready (%.0f s)", session_id, total)

    async def give_up(self, job: Job, error: BaseException) -> None:
        detail = getattr(error, "stderr", None) or str(error)
        await self._settle(
            _session_of(job),
            QaRecordingState.FAILED,
            error={"code": "processing_failed", "message": FAILED_MESSAGE, "detail": detail},
        )

    async def _withdrawn(self, session_id: int, pieces: list[Path]) -> list[Path]:
        """The pieces of speakers who no longer agree to be recorded (they changed their
        choice after speaking, before the session closed)."""
        people = {_person_of(piece) for piece in pieces}
        async with self._database.read() as session:
            speakers = set(
                (
                    await session.scalars(
                        select(Person.id).where(Person.id.in_(people), Person.role == Role.SPEAKER)
                    )
                ).all()
            )
            agreed = await consenting(session, session_id, speakers)
        refused = speakers - agreed
        return [piece for piece in pieces if _person_of(piece) in refused]

    async def _names(self, people: set[int]) -> dict[int, dict[str, Any]]:
        async with self._database.read() as session:
            rows = (await session.scalars(select(Person).where(Person.id.in_(people)))).all()
            return {
                person.id: {"person": person.id, "name": person.name, "role": person.role.value}
                for person in rows
            }

    async def _settle(
        self,
        session_id: int,
        state: QaRecordingState,
        *,
        media: dict[str, Any] | None = None,
        pieces: list[dict[str, Any]] | None = None,
        error: dict[str, Any] | None = None,
    ) -> None:
        async with self._database.write() as session:
            recording = await session.scalar(
                select(QaRecording).where(QaRecording.country_session_id == session_id)
            )
            if recording is None:
                return  # the session was deleted
            recording.state = state
            recording.media, recording.error = media, error
            recording.pieces = pieces or []
            recording.finished_at = utcnow()


async def retry(database: Database, session_id: int) -> None:
    """Make a failed Q&A recording again from the pieces kept (`presession qa-recording retry`):
    back to `processing`, with a job queued in the same transaction."""
    async with database.write() as session:
        recording = await session.scalar(
            select(QaRecording).where(QaRecording.country_session_id == session_id)
        )
        if recording is None:
            raise NotFound(f"Session {session_id} has no Q&A recording.")
        if recording.state is not QaRecordingState.FAILED:
            raise Conflict(
                f"The Q&A recording of session {session_id} is {recording.state.value}: only a "
                "failed one is made again."
            )
        recording.state, recording.error, recording.finished_at = (
            QaRecordingState.PROCESSING,
            None,
            None,
        )
        session.add(Job(kind=QA_RECORDING, payload={"session": session_id}, run_after=utcnow()))


async def consenting(session: AsyncSession, session_id: int, people: set[int]) -> set[int]:
    """The speakers among `people` who let their live answers be recorded: every statement
    of theirs in the session says so."""
    rows = (
        await session.execute(
            select(Statement.speaker_id, Statement.record_live).where(
                Statement.country_session_id == session_id, Statement.speaker_id.in_(people)
            )
        )
    ).all()
    refused = {speaker for speaker, agreed in rows if not agreed}
    return {speaker for speaker, _ in rows if speaker is not None} - refused


def _person_of(piece: Path) -> int:
    match = PIECE.match(piece.name)
    assert match is not None, "pieces_in matched it"
    return int(match["person"])


def _session_of(job: Job) -> int:
    session_id = job.payload.get("session")
    if not isinstance(session_id, int) or isinstance(session_id, bool):
        raise JobFatal(f"job {job.id} names no session")
    return session_id


def _now_s() -> float:
    return datetime.now(UTC).timestamp()


async def _settled(pieces: list[Path], patience_s: float = 60.0) -> None:
    """Wait until Janus has stopped writing (the room is destroyed when the stage ends; a
    piece still growing after `patience_s` is taken as it is)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + patience_s
    while loop.time() < deadline:
        writing: bool = await asyncio.to_thread(still_written, pieces, _now_s())
        if not writing:
            return
        await asyncio.sleep(1.0)


def _total_s(tracks: list[Track]) -> float:
    origin = min(track.started_at for track in tracks)
    return max((t.started_at - origin).total_seconds() + t.duration_s for t in tracks)


def _has_bytes(path: Path) -> bool:
    return path.is_file() and path.stat().st_size > 0


def _fresh(out_dir: Path, work: Path) -> None:
    discard(out_dir)
    work.mkdir(parents=True)
    out_dir.mkdir(exist_ok=True)


def _unlink(pieces: list[Path]) -> None:
    for piece in pieces:
        piece.unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # the folder goes once nothing else is in it
        pieces[0].parent.rmdir()


async def _convert(piece: Path, work: Path) -> Track | None:
    """A piece as a playable file, with when it started; None for an empty piece."""
    match = PIECE.match(piece.name)
    assert match is not None, "pieces_in matched it"
    header = await run_tool([PP_REC, "--json", str(piece)], time_limit=30.0, check=False)
    try:
        info = json.loads(header.stdout.strip().splitlines()[-1])
        first_packet_us = int(info["u"])
    except (ValueError, KeyError, IndexError, TypeError):
        log.warning("stage: recorded piece %s has no readable header; left out", piece.name)
        return None
    kind = match["kind"]
    target = work / f"{piece.stem}.{'opus' if kind == 'audio' else 'webm'}"
    converted = await run_tool(
        [PP_REC, "--debug-level", "2", str(piece), str(target)],
        time_limit=CONVERT_LIMIT_S,
        check=False,
    )
    if converted.returncode != 0 or not await asyncio.to_thread(_has_bytes, target):
        log.warning("stage: recorded piece %s holds no media; left out", piece.name)
        return None
    try:
        duration = (await probe(target)).duration_s
    except (MediaRejected, ToolFailed):
        log.warning("stage: recorded piece %s cannot be read; left out", piece.name)
        return None
    if duration <= 0:
        return None
    return Track(
        person_id=int(match["person"]),
        publication=match["publication"],
        kind=kind,
        media=target,
        started_at=datetime.fromtimestamp(first_packet_us / 1_000_000, UTC),
        duration_s=duration,
    )
