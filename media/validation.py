"""Whether we accept a file as a statement: ffprobe decides, never the name or Content-Type.

`inspect` runs the whole check: a sniff for playlists, ffprobe, the rules, then a read of
every packet with the sound decoded, which catches damage ffprobe misses (a cut-short file)
and measures loudness for normalisation.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from pathlib import Path

from media.errors import MediaRejected
from media.probe import MediaInfo, probe
from media.runner import run_tool

# ffprobe's container name → the demuxer we force with `-f`. Anything else is refused:
# playlists (hls, concat), images, text (tty), archives, subtitles.
DEMUXERS = {
    "mov": "mov",
    "mp4": "mov",
    "m4a": "mov",
    "3gp": "mov",
    "3g2": "mov",
    "matroska": "matroska",
    "webm": "matroska",
    "avi": "avi",
    "mpegts": "mpegts",
    "ogg": "ogg",
    "flv": "flv",
}
PLAYLIST_MAGIC = (b"#EXTM3U", b"ffconcat", b"[playlist]", b"<?xml")
SILENCE_LUFS = -70.0  # ebur128's floor
MAX_LONG_SIDE = 4096
MAX_SHORT_SIDE = 2304


@dataclass(frozen=True)
class Limits:
    max_duration_s: float
    grace_s: float = 5.0


@dataclass(frozen=True)
class Loudness:
    """EBU R128 measurements of the source, for a linear `loudnorm` second pass."""

    integrated: float
    true_peak: float
    lra: float
    threshold: float


@dataclass(frozen=True)
class Inspection:
    info: MediaInfo
    demuxer: str
    loudness: Loudness | None


async def inspect(path: Path, limits: Limits, *, time_limit: float = 60.0) -> Inspection:
    """Accept the file or raise `MediaRejected` with a message for the speaker."""
    head = await asyncio.to_thread(_head, path)
    if not head:
        raise MediaRejected("empty")
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(PLAYLIST_MAGIC):
        raise MediaRejected(
            "playlist",
            "This is a playlist, not a recording; please upload the video file itself.",
        )
    info = await probe(path, time_limit=min(time_limit, 30.0))
    demuxer = check(info, limits)
    loudness = await decode_check(path, demuxer, time_limit=time_limit)
    return Inspection(info, demuxer, loudness)


def _head(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(64)


def check(info: MediaInfo, limits: Limits) -> str:
    """The rules (pure): the container, an audio track, duration, resolution. The demuxer."""
    demuxer = demuxer_for(info)
    if info.audio is None:
        raise MediaRejected("no_audio")
    if info.duration_s <= 0:
        raise MediaRejected("unreadable")
    if info.duration_s > limits.max_duration_s + limits.grace_s:
        raise MediaRejected(
            "too_long",
            f"The recording is {clock(info.duration_s)} long; "
            f"the limit is {clock(limits.max_duration_s)}.",
        )
    if info.video is not None:
        long_side = max(info.video.width, info.video.height)
        short_side = min(info.video.width, info.video.height)
        if long_side > MAX_LONG_SIDE or short_side > MAX_SHORT_SIDE:
            raise MediaRejected(
                "too_big_picture",
                f"The picture is {info.video.width}×{info.video.height}; "
                f"the largest we take is {MAX_LONG_SIDE}×{MAX_SHORT_SIDE}.",
            )
        if min(info.video.width, info.video.height) < 2:
            raise MediaRejected("unreadable")
    return demuxer


def demuxer_for(info: MediaInfo) -> str:
    for name in info.format_names:
        if name in DEMUXERS:
            return DEMUXERS[name]
    if "hls" in info.format_names or "concat" in info.format_names:
        raise MediaRejected(
            "playlist",
            "This is a playlist, not a recording; please upload the video file itself.",
        )
    raise MediaRejected("unreadable")


async def decode_check(path: Path, demuxer: str, *, time_limit: float) -> Loudness | None:
    """Read every packet and decode the sound (`-xerror`), measuring its loudness.

    The picture is decoded once, by the transcode itself (also with `-xerror`), so a damaged
    picture is caught there without paying for a second full video decode here.
    """
    argv = [
        "ffmpeg",
        "-nostdin",
        "-hide_banner",
        "-loglevel",
        "level+info",
        "-nostats",
        "-xerror",
        "-protocol_whitelist",
        "file",
        "-f",
        demuxer,
        "-i",
        f"file:{path}",
        "-map",
        "0:a:0",
        "-af",
        # EBU R128 measurement, a third of loudnorm's cost; framelog=verbose keeps the
        # per-frame lines out of stderr at this log level.
        "ebur128=peak=true:framelog=verbose",
        "-f",
        "null",
        "-",
    ]
    result = await run_tool(argv, time_limit=time_limit, check=False)
    errors = [line for line in result.stderr.splitlines() if "[error]" in line or "[fatal]" in line]
    if result.returncode != 0 or errors:
        raise MediaRejected("damaged", stderr=result.stderr)
    return parse_loudness(result.stderr)


def parse_loudness(stderr: str) -> Loudness | None:
    """The summary `ebur128` prints at the end; None for silence or when absent."""
    summary = stderr[stderr.rfind("Summary:") :] if "Summary:" in stderr else ""
    values = {}
    for name, pattern in (
        ("integrated", r"I:\s+(-?[\d.]+|-inf) LUFS"),
        ("threshold", r"Threshold:\s+(-?[\d.]+|-inf) LUFS"),
        ("lra", r"LRA:\s+(-?[\d.]+|-inf) LU\b"),
        ("true_peak", r"Peak:\s+(-?[\d.]+|-inf) dBFS"),
    ):
        match = re.search(pattern, summary)
        if match is None:
            return None
        values[name] = float(match.group(1))
    loudness = Loudness(**values)
    if loudness.integrated <= SILENCE_LUFS or loudness.true_peak == float("-inf"):
        return None  # silence: nothing to measure, loudnorm's own pass will do
    return loudness


def clock(seconds: float) -> str:
    """7:12 for 432 s."""
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}"
