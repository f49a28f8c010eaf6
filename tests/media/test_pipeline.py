"""Real ffmpeg on small clips: each kind of recording becomes a playable, normalised ladder."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from media.pipeline import TranscodeOptions, transcode
from media.validation import Limits
from tests.clips import Clips

TARGET = -16.0
OPTIONS = TranscodeOptions(Limits(max_duration_s=300), loudness_target=TARGET, preset="ultrafast")


def ffprobe(path: Path) -> dict[str, object]:
    output = subprocess.run(
        ["ffprobe", "-v", "error", "-show_format", "-show_streams", "-of", "json", str(path)],
        check=True,
        capture_output=True,
    ).stdout
    return json.loads(output)  # type: ignore[no-any-return]


def loudness(path: Path) -> float:
    stderr = subprocess.run(
        [
            "ffmpeg",
            "-nostdin",
            "-hide_banner",
            "-i",
            str(path),
            "-af",
            "ebur128",
            "-f",
            "null",
            "-",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stderr
    summary = stderr[stderr.rindex("Summary:") :]
    match = re.search(r"I:\s+(-?[\d.]+) LUFS", summary)
    assert match, summary
    return float(match.group(1))


def video_size(path: Path) -> tuple[int, int]:
    streams = ffprobe(path)["streams"]
    video = next(s for s in streams if s["codec_type"] == "video")  # type: ignore[attr-defined]
    return int(video["width"]), int(video["height"])


def duration(path: Path) -> float:
    return float(ffprobe(path)["format"]["duration"])  # type: ignore[index]


@pytest.mark.parametrize(
    ("clip", "sizes", "seconds"),
    [
        ("landscape", {"180p": (320, 180)}, 3.0),
        ("portrait", {"180p": (180, 320)}, 3.0),
        ("webm", {"180p": (320, 180)}, 2.0),
        ("variable_frame_rate", {"180p": (320, 180)}, 3.0),
        ("interlaced", {"180p": (320, 180)}, 2.0),
        ("audio_only", {"360p": (640, 360), "240p": (426, 240)}, 3.0),
        ("hd", {"720p": (1280, 720), "360p": (640, 360), "240p": (426, 240)}, 2.0),
    ],
)
async def test_each_recording_becomes_a_playable_ladder(
    tmp_path: Path, clips: Clips, clip: str, sizes: dict[str, tuple[int, int]], seconds: float
) -> None:
    reports: list[float] = []

    async def progress(fraction: float) -> None:
        reports.append(fraction)

    out = tmp_path / "v1"
    result = await transcode(getattr(clips, clip), out, OPTIONS, progress)
    assert [variant.name for variant in result.variants] == [*sizes, "audio"]
    master = (out / "master.m3u8").read_text()
    for name, size in sizes.items():
        playlist = out / name / "index.m3u8"
        assert video_size(playlist) == size
        assert abs(duration(playlist) - seconds) < 0.25
        assert f"RESOLUTION={size[0]}x{size[1]}" in master
    audio = out / "audio" / "index.m3u8"
    assert [s["codec_type"] for s in ffprobe(audio)["streams"]] == ["audio"]  # type: ignore[attr-defined]
    assert abs(loudness(audio) - TARGET) <= 1.5
    assert abs(loudness(out / "statement.mp4") - TARGET) <= 1.5
    assert video_size(out / "statement.mp4") == next(iter(sizes.values()))
    assert abs(duration(out / "statement.mp4") - seconds) < 0.25
    assert (out / "poster.jpg").stat().st_size > 0
    assert master.count("#EXT-X-STREAM-INF:") == len(sizes) + 1
    assert 'CODECS="mp4a.40.2"' in master
    assert not (tmp_path / "v1.partial").exists()
    assert reports
    assert reports[-1] == 1.0


async def test_audio_and_picture_stay_in_sync_on_variable_frame_rate(
    tmp_path: Path, clips: Clips
) -> None:
    await transcode(clips.variable_frame_rate, tmp_path / "v1", OPTIONS)
    streams = ffprobe(tmp_path / "v1" / "statement.mp4")["streams"]
    durations = {s["codec_type"]: float(s["duration"]) for s in streams}  # type: ignore[attr-defined]
    assert abs(durations["video"] - durations["audio"]) < 0.1
    video = next(s for s in streams if s["codec_type"] == "video")  # type: ignore[attr-defined]
    assert video["avg_frame_rate"] == "30/1"


async def test_an_interlaced_recording_comes_out_progressive(tmp_path: Path, clips: Clips) -> None:
    result = await transcode(clips.interlaced, tmp_path / "v1", OPTIONS)
    assert result.info.video is not None
    assert result.info.video.interlaced
    streams = ffprobe(tmp_path / "v1" / "statement.mp4")["streams"]
    video = next(s for s in streams if s["codec_type"] == "video")  # type: ignore[attr-defined]
    assert video.get("field_order", "progressive") == "progressive"
    assert video["avg_frame_rate"] == "25/1"
