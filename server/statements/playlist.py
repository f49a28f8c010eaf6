"""A session's playlist as HLS: one master whose variants play every approved statement in
screening order, each variant stitching the statements' matching renditions, with a
discontinuity between statements (their timestamps and encoder settings differ).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from media.commands import AUDIO_RENDITION, variant_playlist
from media.playlists import (
    Segment,
    Variant,
    master_playlist,
    parse_media_playlist,
    stitched_playlist,
)
from server.errors import NotFound
from server.models import Statement
from server.statements.service import media_base, rendition_for


def variant_names(statements: list[Statement]) -> list[str]:
    """Every video rendition name any statement has, best first, then audio-only."""
    sizes: dict[str, int] = {}
    for statement in statements:
        for variant in _media(statement)["variants"]:
            if variant["name"] != AUDIO_RENDITION:
                sizes[variant["name"]] = min(variant["width"], variant["height"])
    return [*sorted(sizes, key=lambda name: -sizes[name]), AUDIO_RENDITION]


def session_master(session_id: int, statements: list[Statement]) -> str:
    variants = []
    for name in variant_names(statements):
        chosen = [_variant_of(statement, name) for statement in statements]
        best = max(chosen, key=lambda variant: variant["bandwidth"])
        variants.append(
            Variant(
                name=name,
                uri=f"/api/sessions/{session_id}/playlist/{name}.m3u8",
                bandwidth=max(variant["bandwidth"] for variant in chosen),
                average_bandwidth=max(variant["average_bandwidth"] for variant in chosen),
                codecs=best["codecs"],
                width=max((v["width"] or 0) for v in chosen) or None,
                height=max((v["height"] or 0) for v in chosen) or None,
            )
        )
    return master_playlist(variants)


async def session_variant(media_dir: Path, statements: list[Statement], name: str) -> str:
    if name not in variant_names(statements):
        raise NotFound("No such rendition in this playlist.")
    parts = [await _segments(media_dir, statement, name) for statement in statements]
    return stitched_playlist(parts)


async def _segments(media_dir: Path, statement: Statement, name: str) -> list[Segment]:
    media = _media(statement)
    rendition = rendition_for(media, name)
    base = media_base(statement.id, int(media["version"]))
    path = (
        media_dir
        / "statements"
        / str(statement.id)
        / f"v{media['version']}"
        / variant_playlist(rendition)
    )
    text = await asyncio.to_thread(path.read_text)
    return [
        Segment(segment.duration_s, f"{base}/{rendition}/{segment.uri}")
        for segment in parse_media_playlist(text)
    ]


def _variant_of(statement: Statement, name: str) -> dict[str, Any]:
    media = _media(statement)
    rendition = rendition_for(media, name)
    return next(v for v in media["variants"] if v["name"] == rendition)


def _media(statement: Statement) -> dict[str, Any]:
    assert statement.approved_media is not None, "the playlist holds approved recordings only"
    return statement.approved_media
