"""From an uploaded file to a complete, published rendition directory, or a clear refusal.

Output is written into a temporary sibling directory and renamed into place only when every
file is there, so a reader never sees half a ladder and a killed job leaves only litter
that the next attempt removes.
"""

from __future__ import annotations

import asyncio
import shutil
from dataclasses import dataclass
from pathlib import Path

from media.commands import MASTER, TranscodeSpec, download_command, transcode_command
from media.errors import MediaRejected, ToolFailed
from media.ladder import Ladder, plan
from media.playlists import Variant, master_playlist, statement_variants
from media.probe import MediaInfo
from media.runner import ProgressCallback, run_ffmpeg, run_tool
from media.validation import Limits, inspect

# Wall-clock limit of a transcode: a fixed allowance plus this many seconds per second of
# media (veryfast 1080p → 720p ladder runs at several times realtime on two cores).
TIME_LIMIT_BASE_S = 60.0
TIME_LIMIT_PER_SECOND = 8.0
PARTIAL = ".partial"  # the suffix of a rendition directory still being written


@dataclass(frozen=True)
class TranscodeOptions:
    limits: Limits
    loudness_target: float = -16.0
    preset: str = "veryfast"


@dataclass(frozen=True)
class Transcoded:
    info: MediaInfo
    ladder: Ladder
    variants: tuple[Variant, ...]
    out_dir: Path


def time_limit_for(duration_s: float) -> float:
    return TIME_LIMIT_BASE_S + TIME_LIMIT_PER_SECOND * duration_s


async def transcode(
    source: Path,
    out_dir: Path,
    options: TranscodeOptions,
    on_progress: ProgressCallback | None = None,
    *,
    work_dir: Path | None = None,
) -> Transcoded:
    """Validate `source`, write its ladder, poster, download and master into `out_dir`.

    Everything is written into `work_dir` (by default `out_dir` + `.partial`), renamed to
    `out_dir` at the end; a caller that may retry gives each attempt its own.
    """
    inspection = await inspect(source, options.limits)
    info = inspection.info
    ladder = plan(info)
    work_dir = work_dir or partial_dir(out_dir)
    await asyncio.to_thread(_fresh_directory, work_dir)
    spec = TranscodeSpec(
        source=source,
        demuxer=inspection.demuxer,
        info=info,
        ladder=ladder,
        out_dir=work_dir,
        loudness_target=options.loudness_target,
        loudness=inspection.loudness,
        preset=options.preset,
    )
    limit = time_limit_for(info.duration_s)
    try:
        await run_ffmpeg(
            transcode_command(spec),
            time_limit=limit,
            duration_s=info.duration_s,
            on_progress=on_progress,
        )
    except ToolFailed as failure:
        if failure.input_at_fault:
            raise MediaRejected("damaged", stderr=failure.stderr) from failure
        raise
    await run_tool(download_command(work_dir, ladder.top.name), time_limit=limit)
    variants = tuple(await asyncio.to_thread(statement_variants, work_dir, ladder))
    await asyncio.to_thread(_publish, work_dir, out_dir, master_playlist(variants))
    return Transcoded(info, ladder, variants, out_dir)


def partial_dir(out_dir: Path, attempt: int | None = None) -> Path:
    """Where an attempt at `out_dir` is written before it is renamed into place."""
    suffix = PARTIAL if attempt is None else f"{PARTIAL}-{attempt}"
    return out_dir.with_name(out_dir.name + suffix)


def discard(out_dir: Path) -> None:
    """Remove what attempts at `out_dir` left half-written (blocking: run it off the loop)."""
    for partial in out_dir.parent.glob(f"{out_dir.name}{PARTIAL}*"):
        shutil.rmtree(partial, ignore_errors=True)


def _fresh_directory(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)


def _publish(work_dir: Path, out_dir: Path, master: str) -> None:
    (work_dir / MASTER).write_text(master)
    shutil.rmtree(out_dir, ignore_errors=True)
    work_dir.rename(out_dir)
