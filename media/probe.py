"""What a file is, asked of ffprobe once: container, streams, duration, rotation.

The answer is a plain `MediaInfo`; deciding whether we accept it is `media.validation`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from media.errors import MediaRejected
from media.runner import run_tool


@dataclass(frozen=True)
class VideoStream:
    codec: str
    width: int  # as displayed, after rotation
    height: int
    rotation: int  # degrees the player must turn the coded picture
    frame_rate: float  # average; variable-frame-rate input is made constant later
    interlaced: bool


@dataclass(frozen=True)
class AudioStream:
    codec: str
    channels: int
    sample_rate: int


@dataclass(frozen=True)
class MediaInfo:
    format_names: tuple[str, ...]  # ffprobe's names for the container, e.g. ("mov", "mp4")
    duration_s: float
    size_bytes: int
    video: VideoStream | None
    audio: AudioStream | None


async def probe(path: Path, *, time_limit: float = 30.0) -> MediaInfo:
    """Ask ffprobe about a local file; an unreadable file raises `MediaRejected`."""
    argv = [
        "ffprobe",
        "-v",
        "error",
        "-protocol_whitelist",
        "file",
        "-show_format",
        "-show_streams",
        "-of",
        "json",
        f"file:{path}",
    ]
    result = await run_tool(argv, time_limit=time_limit, check=False)
    if result.returncode != 0:
        raise MediaRejected("unreadable", stderr=result.stderr)
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError as error:
        raise MediaRejected("unreadable", stderr=result.stderr) from error
    return parse_probe(report)


def parse_probe(report: dict[str, Any]) -> MediaInfo:
    """Turn ffprobe's JSON into a `MediaInfo` (pure: tested without ffprobe)."""
    container = report.get("format") or {}
    streams = report.get("streams") or []
    if not container.get("format_name"):
        raise MediaRejected("unreadable")
    video = next(
        (
            _video(stream)
            for stream in streams
            if stream.get("codec_type") == "video"
            and not (stream.get("disposition") or {}).get("attached_pic")
        ),
        None,
    )
    audio = next((_audio(s) for s in streams if s.get("codec_type") == "audio"), None)
    return MediaInfo(
        format_names=tuple(str(container["format_name"]).split(",")),
        duration_s=_duration(container, streams),
        size_bytes=int(container.get("size") or 0),
        video=video,
        audio=audio,
    )


def _video(stream: dict[str, Any]) -> VideoStream:
    rotation = _rotation(stream)
    width, height = int(stream.get("width") or 0), int(stream.get("height") or 0)
    if rotation % 180 == 90:
        width, height = height, width
    field_order = str(stream.get("field_order") or "progressive")
    return VideoStream(
        codec=str(stream.get("codec_name") or "unknown"),
        width=width,
        height=height,
        rotation=rotation,
        frame_rate=_rate(stream.get("avg_frame_rate")) or _rate(stream.get("r_frame_rate")),
        interlaced=field_order not in ("progressive", "unknown"),
    )


def _audio(stream: dict[str, Any]) -> AudioStream:
    return AudioStream(
        codec=str(stream.get("codec_name") or "unknown"),
        channels=int(stream.get("channels") or 0),
        sample_rate=int(stream.get("sample_rate") or 0),
    )


def _rotation(stream: dict[str, Any]) -> int:
    for side_data in stream.get("side_data_list") or []:
        if "rotation" in side_data:
            return int(float(side_data["rotation"])) % 360
    tag = (stream.get("tags") or {}).get("rotate")
    return int(tag) % 360 if tag and str(tag).lstrip("-").isdigit() else 0


def _rate(raw: object) -> float:
    try:
        rate = Fraction(str(raw))
    except (ValueError, ZeroDivisionError):
        return 0.0
    return float(rate) if rate > 0 else 0.0


def _duration(container: dict[str, Any], streams: list[dict[str, Any]]) -> float:
    candidates = [container.get("duration")] + [stream.get("duration") for stream in streams]
    for raw in candidates:
        try:
            value = float(raw)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            continue
        if value > 0:
            return value
    return 0.0
