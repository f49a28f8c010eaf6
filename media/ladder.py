"""The rendition ladder: which sizes and bitrates a statement gets (pure, never upscaled)."""

from __future__ import annotations

from dataclasses import dataclass

from media.probe import MediaInfo


@dataclass(frozen=True)
class Rung:
    name: str
    short_side: int  # the height of a landscape picture, the width of a portrait one
    video_kbps: int
    audio_kbps: int
    level: str  # H.264 level, part of the CODECS string


LADDER = (
    Rung("720p", 720, 2500, 128, "3.1"),
    Rung("360p", 360, 600, 96, "3.0"),
    Rung("240p", 240, 200, 64, "3.0"),
)
AUDIO_ONLY_KBPS = 64
MAX_FRAME_RATE = 30
# What an audio-only statement shows: its waveform, at this size.
AUDIO_PICTURE = (640, 360)
AUDIO_CODEC = "mp4a.40.2"  # AAC-LC


@dataclass(frozen=True)
class Rendition:
    name: str
    width: int
    height: int
    video_kbps: int
    audio_kbps: int
    level: str

    @property
    def codecs(self) -> str:
        # Main profile (4d), constraint flags 40, level as hex: avc1.4d401f is Main@3.1.
        level = round(float(self.level) * 10)
        return f"avc1.4d40{level:02x},{AUDIO_CODEC}"

    @property
    def maxrate_kbps(self) -> int:
        return self.video_kbps * 11 // 10


@dataclass(frozen=True)
class Ladder:
    renditions: tuple[Rendition, ...]  # best first
    audio_kbps: int
    frame_rate: int
    audio_only_source: bool

    @property
    def top(self) -> Rendition:
        return self.renditions[0]

    @property
    def gop(self) -> int:
        """Frames in a 2-second group of pictures: segments cut on keyframes every 2 s."""
        return self.frame_rate * 2


def plan(info: MediaInfo) -> Ladder:
    """The renditions for this source: every rung not larger than it, at least one."""
    if info.video is None:
        width, height = AUDIO_PICTURE
        frame_rate = MAX_FRAME_RATE
    else:
        width, height = info.video.width, info.video.height
        frame_rate = _frame_rate(info.video.frame_rate)
    short_side = min(width, height)
    rungs = [rung for rung in LADDER if rung.short_side <= short_side]
    if not rungs:  # smaller than the smallest rung: keep its own size
        smallest = LADDER[-1]
        rungs = [Rung(f"{_even(short_side)}p", short_side, smallest.video_kbps, 64, "3.0")]
    renditions = tuple(_rendition(rung, width, height) for rung in rungs)
    return Ladder(renditions, AUDIO_ONLY_KBPS, frame_rate, info.video is None)


def _rendition(rung: Rung, width: int, height: int) -> Rendition:
    if width >= height:
        size = (_even(rung.short_side * width / height), _even(rung.short_side))
    else:
        size = (_even(rung.short_side), _even(rung.short_side * height / width))
    return Rendition(rung.name, *size, rung.video_kbps, rung.audio_kbps, rung.level)


def _frame_rate(source: float) -> int:
    if source <= 0 or source > 1000:  # unknown, or a container's time base posing as a rate
        return MAX_FRAME_RATE
    return max(10, min(MAX_FRAME_RATE, round(source)))


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)
