"""HLS playlists: a statement's master (measured, not guessed) and a session's stitched one.

Writing the master ourselves, rather than taking ffmpeg's, gives exact BANDWIDTH (the peak
segment bitrate actually written), AVERAGE-BANDWIDTH, RESOLUTION and CODECS on every variant.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from media.commands import AUDIO_RENDITION, variant_playlist
from media.ladder import AUDIO_CODEC, Ladder


@dataclass(frozen=True)
class Segment:
    duration_s: float
    uri: str


@dataclass(frozen=True)
class Variant:
    """One entry of a master playlist."""

    name: str
    uri: str
    bandwidth: int  # peak bits per second over any segment
    average_bandwidth: int
    codecs: str
    width: int | None = None
    height: int | None = None


def parse_media_playlist(text: str) -> list[Segment]:
    """The segments of a media playlist, in order."""
    segments: list[Segment] = []
    duration: float | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#EXTINF:"):
            duration = float(line[len("#EXTINF:") :].split(",", 1)[0])
        elif line and not line.startswith("#") and duration is not None:
            segments.append(Segment(duration, line))
            duration = None
    return segments


def measure(out_dir: Path, name: str) -> tuple[int, int, float]:
    """Peak and average bits per second of a written variant, and its duration (blocking)."""
    playlist = out_dir / variant_playlist(name)
    segments = parse_media_playlist(playlist.read_text())
    sizes = [(playlist.parent / segment.uri).stat().st_size * 8 for segment in segments]
    total = sum(segment.duration_s for segment in segments)
    peak = max(
        (
            size / max(segment.duration_s, 0.5)
            for size, segment in zip(sizes, segments, strict=True)
        ),
        default=0.0,
    )
    average = sum(sizes) / total if total else 0.0
    return math.ceil(peak), math.ceil(average), total


def statement_variants(out_dir: Path, ladder: Ladder) -> list[Variant]:
    """Measure every written rendition (blocking: run it in a worker thread)."""
    variants = []
    for rendition in ladder.renditions:
        peak, average, _ = measure(out_dir, rendition.name)
        variants.append(
            Variant(
                rendition.name,
                variant_playlist(rendition.name),
                peak,
                average,
                rendition.codecs,
                rendition.width,
                rendition.height,
            )
        )
    peak, average, _ = measure(out_dir, AUDIO_RENDITION)
    variants.append(
        Variant(AUDIO_RENDITION, variant_playlist(AUDIO_RENDITION), peak, average, AUDIO_CODEC)
    )
    return variants


def master_playlist(variants: Sequence[Variant]) -> str:
    """A master playlist listing each variant, best first, the audio-only one last."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for variant in variants:
        attributes = [
            f"BANDWIDTH={variant.bandwidth}",
            f"AVERAGE-BANDWIDTH={variant.average_bandwidth}",
            f'CODECS="{variant.codecs}"',
        ]
        if variant.width and variant.height:
            attributes.append(f"RESOLUTION={variant.width}x{variant.height}")
        lines += ["#EXT-X-STREAM-INF:" + ",".join(attributes), variant.uri]
    return "\n".join(lines) + "\n"


def stitched_playlist(parts: Sequence[Sequence[Segment]]) -> str:
    """One VOD media playlist playing each part in turn, a discontinuity between parts."""
    durations = [segment.duration_s for part in parts for segment in part]
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        f"#EXT-X-TARGETDURATION:{math.ceil(max(durations, default=1.0))}",
        "#EXT-X-MEDIA-SEQUENCE:0",
        "#EXT-X-PLAYLIST-TYPE:VOD",
    ]
    for index, part in enumerate(parts):
        if index:
            lines.append("#EXT-X-DISCONTINUITY")
        for segment in part:
            lines += [f"#EXTINF:{segment.duration_s:.6f},", segment.uri]
    lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"
