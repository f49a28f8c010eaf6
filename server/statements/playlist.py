"""A session's playlist as HLS: one master whose variants play every approved statement in
screening order, each variant stitching the statements' matching renditions, with a
discontinuity between statements (their timestamps and encoder settings differ).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from media.commands import AUDIO_RENDITION
from media.playlists import (
    Segment,
    Variant,
    master_playlist,
    parse_media_playlist,
    stitched_playlist,
)
from server.errors import NotFound
from server.models import Statement
from server.statements.recording import (
    Recording,
    Rendition,
    rendition_playlist_path,
    version_url,
)


def variant_sizes(statements: list[Statement]) -> dict[str, int]:
    """Every rendition name any statement has, best first, then audio-only: its short side."""
    sizes: dict[str, int] = {}
    for statement in statements:
        for rendition in _recording(statement).videos:
            sizes[rendition.name] = rendition.short_side
    ordered = sorted(sizes, key=lambda name: -sizes[name])
    return {**{name: sizes[name] for name in ordered}, AUDIO_RENDITION: 0}


def session_master(session_id: int, statements: list[Statement]) -> str:
    variants = []
    for name, short_side in variant_sizes(statements).items():
        chosen = [_recording(statement).rendition_for(name, short_side) for statement in statements]
        best = max(chosen, key=lambda rendition: rendition.bandwidth)
        variants.append(
            Variant(
                name=name,
                uri=f"/api/sessions/{session_id}/playlist/{name}.m3u8",
                bandwidth=max(rendition.bandwidth for rendition in chosen),
                average_bandwidth=max(rendition.average_bandwidth for rendition in chosen),
                codecs=best.codecs,
                width=max((rendition.width or 0) for rendition in chosen) or None,
                height=max((rendition.height or 0) for rendition in chosen) or None,
            )
        )
    return master_playlist(variants)


async def session_variant(media_dir: Path, statements: list[Statement], name: str) -> str:
    sizes = variant_sizes(statements)
    if name not in sizes:
        raise NotFound("No such rendition in this playlist.")
    parts = [await _segments(media_dir, statement, name, sizes[name]) for statement in statements]
    return stitched_playlist(parts)


async def _segments(
    media_dir: Path, statement: Statement, name: str, short_side: int
) -> list[Segment]:
    recording = _recording(statement)
    rendition: Rendition = recording.rendition_for(name, short_side)
    path = rendition_playlist_path(media_dir, statement.id, recording.version, rendition.name)
    text = await asyncio.to_thread(path.read_text)
    base = version_url(statement.id, recording.version)
    return [
        Segment(segment.duration_s, f"{base}/{rendition.name}/{segment.uri}")
        for segment in parse_media_playlist(text)
    ]


def _recording(statement: Statement) -> Recording:
    recording = Recording.from_json(statement.approved_media)
    assert recording is not None, "the playlist holds approved recordings only"
    return recording
