"""A statement's recording: one transcoded version, typed, and where its files are.

The one place that knows a statement's media layout, on disk and as URLs:
`DATA_DIR/media/statements/ID/vN/...` for each version's renditions (served at
`/media/statements/ID/vN/...`) and `.../ID/captions/LANG.vtt` for its captions. In the
database a recording is the JSON of `Recording.to_json` (the `media` and `approved_media`
columns), read back with `Recording.from_json`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from media.commands import AUDIO_RENDITION, DOWNLOAD, MASTER, POSTER, variant_playlist
from media.pipeline import Transcoded

URL_ROOT = "/media/statements"


@dataclass(frozen=True)
class Rendition:
    """One rendition of a recording, as its master playlist names it."""

    name: str
    width: int | None
    height: int | None
    bandwidth: int  # peak bits per second over any segment
    average_bandwidth: int
    codecs: str

    @property
    def short_side(self) -> int:
        return min(self.width or 0, self.height or 0)

    @property
    def is_video(self) -> bool:
        return self.name != AUDIO_RENDITION


@dataclass(frozen=True)
class Recording:
    version: int
    duration_s: float
    width: int | None
    height: int | None
    frame_rate: int
    audio_only: bool
    renditions: tuple[Rendition, ...]  # best first, audio-only last

    @classmethod
    def from_transcoded(cls, result: Transcoded, version: int) -> Recording:
        top = result.ladder.top
        return cls(
            version=version,
            duration_s=round(result.info.duration_s, 3),
            width=top.width,
            height=top.height,
            frame_rate=result.ladder.frame_rate,
            audio_only=result.ladder.audio_only_source,
            renditions=tuple(
                Rendition(
                    name=variant.name,
                    width=variant.width,
                    height=variant.height,
                    bandwidth=variant.bandwidth,
                    average_bandwidth=variant.average_bandwidth,
                    codecs=variant.codecs,
                )
                for variant in result.variants
            ),
        )

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Recording | None:
        if not data:
            return None
        return cls(
            version=int(data["version"]),
            duration_s=data["duration_s"],
            width=data["width"],
            height=data["height"],
            frame_rate=data["frame_rate"],
            audio_only=data["audio_only"],
            renditions=tuple(Rendition(**variant) for variant in data["variants"]),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "duration_s": self.duration_s,
            "width": self.width,
            "height": self.height,
            "frame_rate": self.frame_rate,
            "audio_only": self.audio_only,
            "variants": [variant_json(rendition) for rendition in self.renditions],
        }

    @property
    def videos(self) -> tuple[Rendition, ...]:
        return tuple(rendition for rendition in self.renditions if rendition.is_video)

    def rendition(self, name: str) -> Rendition:
        return next(rendition for rendition in self.renditions if rendition.name == name)

    def rendition_for(self, name: str, short_side: int) -> Rendition:
        """The rendition playing in a session playlist's `name` variant (`short_side` lines).

        The same name if it has it; else its best rendition not larger; else its smallest.
        """
        videos = self.videos
        if name == AUDIO_RENDITION or not videos:
            return self.rendition(AUDIO_RENDITION)
        fitting = [video for video in videos if video.short_side <= short_side]
        return fitting[0] if fitting else videos[-1]


def variant_json(rendition: Rendition) -> dict[str, Any]:
    return {
        "name": rendition.name,
        "width": rendition.width,
        "height": rendition.height,
        "bandwidth": rendition.bandwidth,
        "average_bandwidth": rendition.average_bandwidth,
        "codecs": rendition.codecs,
    }


# -- where the files are ---------------------------------------------------------------------


def statement_dir(media_dir: Path, statement_id: int) -> Path:
    return media_dir / "statements" / str(statement_id)


def version_dir(media_dir: Path, statement_id: int, version: int) -> Path:
    return statement_dir(media_dir, statement_id) / version_name(version)


def version_name(version: int) -> str:
    return f"v{version}"


def version_of(name: str) -> int | None:
    """The version a directory of a statement's holds (`v3`, and `v3.partial-2` while it is
    written); None for anything else."""
    if not name.startswith("v"):
        return None
    number = name[1:].split(".", 1)[0]
    return int(number) if number.isdigit() else None


def caption_path(media_dir: Path, statement_id: int, language: str) -> Path:
    return statement_dir(media_dir, statement_id) / "captions" / f"{language}.vtt"


def rendition_playlist_path(media_dir: Path, statement_id: int, version: int, name: str) -> Path:
    return version_dir(media_dir, statement_id, version) / variant_playlist(name)


# -- and their URLs --------------------------------------------------------------------------


def statement_url(statement_id: int) -> str:
    return f"{URL_ROOT}/{statement_id}"


def version_url(statement_id: int, version: int) -> str:
    return f"{statement_url(statement_id)}/{version_name(version)}"


def caption_url(statement_id: int, language: str) -> str:
    return f"{statement_url(statement_id)}/captions/{language}.vtt"


def rendition_url(statement_id: int, version: int, name: str) -> str:
    return f"{version_url(statement_id, version)}/{variant_playlist(name)}"


def media_json(statement_id: int, recording: Recording | None) -> dict[str, Any] | None:
    """The recording's facts and URLs, or None when there is none."""
    if recording is None:
        return None
    base = version_url(statement_id, recording.version)
    return {
        "version": recording.version,
        "hls": f"{base}/{MASTER}",
        "mp4": f"{base}/{DOWNLOAD}",
        "poster": f"{base}/{POSTER}",
        "duration_s": recording.duration_s,
        "width": recording.width,
        "height": recording.height,
        "audio_only": recording.audio_only,
        "variants": [variant_json(rendition) for rendition in recording.renditions],
    }
