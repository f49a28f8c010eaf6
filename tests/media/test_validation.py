"""What we accept: the rules (pure) and real files that must be refused, with their message."""

from __future__ import annotations

from pathlib import Path

import pytest

from media.errors import MediaRejected
from media.probe import AudioStream, MediaInfo, VideoStream, parse_probe
from media.validation import Limits, Loudness, check, clock, inspect, parse_loudness
from tests.clips import Clips

SOUND = AudioStream("aac", 2, 48000)
PICTURE = VideoStream("h264", 1280, 720, 0, 30.0, False)
LIMITS = Limits(max_duration_s=300, grace_s=5)


def info(**changes: object) -> MediaInfo:
    values: dict[str, object] = {
        "format_names": ("mov", "mp4"),
        "duration_s": 60.0,
        "size_bytes": 1,
        "video": PICTURE,
        "audio": SOUND,
    }
    values.update(changes)
    return MediaInfo(**values)  # type: ignore[arg-type]


def refusal(source: MediaInfo) -> str:
    with pytest.raises(MediaRejected) as refused:
        check(source, LIMITS)
    return refused.value.message


def test_containers_from_the_allow_list_only() -> None:
    assert check(info(), LIMITS) == "mov"
    assert check(info(format_names=("matroska", "webm")), LIMITS) == "matroska"
    assert refusal(info(format_names=("tty",))) == "This file is not a video we can read."
    assert refusal(info(format_names=("png_pipe",))) == "This file is not a video we can read."
    assert "playlist" in refusal(info(format_names=("hls",)))


def test_rules_and_their_messages() -> None:
    assert refusal(info(duration_s=432.4)) == "The recording is 7:12 long; the limit is 5:00."
    assert check(info(duration_s=304.0), LIMITS)  # within the grace
    assert refusal(info(audio=None)).startswith("The recording has no sound")
    big = VideoStream("h264", 7680, 4320, 0, 30.0, False)
    assert refusal(info(video=big)).startswith("The picture is 7680×4320")
    assert check(info(video=None), LIMITS) == "mov"  # audio-only is welcome


def test_rotation_swaps_the_displayed_size() -> None:
    report = {
        "format": {"format_name": "mov,mp4", "duration": "2.0"},
        "streams": [
            {
                "codec_type": "video",
                "codec_name": "h264",
                "width": 1920,
                "height": 1080,
                "avg_frame_rate": "30000/1001",
                "side_data_list": [{"side_data_type": "Display Matrix", "rotation": -90}],
            },
            {"codec_type": "audio", "codec_name": "aac", "channels": 1, "sample_rate": "48000"},
        ],
    }
    probed = parse_probe(report)
    assert probed.video is not None
    assert (probed.video.width, probed.video.height, probed.video.rotation) == (1080, 1920, 270)
    assert probed.duration_s == 2.0


SUMMARY = """[Parsed_ebur128_0 @ 0x1] [info] Summary:

  Integrated loudness:
    I:         -23.5 LUFS
    Threshold: -33.5 LUFS

  Loudness range:
    LRA:         6.0 LU
    Threshold: -43.5 LUFS
    LRA low:   -27.0 LUFS
    LRA high:  -21.0 LUFS

  True peak:
    Peak:       -4.0 dBFS
"""


def test_clock_and_loudness_report() -> None:
    assert clock(300) == "5:00"
    assert clock(61.9) == "1:01"
    assert parse_loudness("noise\n" + SUMMARY) == Loudness(-23.5, -4.0, 6.0, -33.5)
    silent = SUMMARY.replace("-23.5 LUFS", "-70.0 LUFS").replace("-4.0 dBFS", "-inf dBFS")
    assert parse_loudness(silent) is None
    assert parse_loudness("no summary at all") is None


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "truncated",
            "The recording is damaged (it may have been cut short); please export it again.",
        ),
        ("text", "This file is not a video we can read."),
        ("empty", "The file is empty."),
        ("playlist", "This is a playlist, not a recording; please upload the video file itself."),
    ],
)
async def test_bad_files_are_refused_with_their_message(
    clips: Clips, name: str, message: str
) -> None:
    with pytest.raises(MediaRejected) as refused:
        await inspect(getattr(clips, name), LIMITS)
    assert refused.value.message == message


async def test_an_over_long_recording_is_refused(clips: Clips) -> None:
    with pytest.raises(MediaRejected) as refused:
        await inspect(clips.landscape, Limits(max_duration_s=2, grace_s=0))
    assert refused.value.message == "The recording is 0:03 long; the limit is 0:02."


async def test_a_real_playlist_is_refused_even_without_its_magic(
    tmp_path: Path, clips: Clips
) -> None:
    playlist = tmp_path / "video.mp4"
    playlist.write_text("\n\n#EXTM3U\n#EXTINF:3,\n" + str(clips.landscape) + "\n")
    with pytest.raises(MediaRejected) as refused:
        await inspect(playlist, LIMITS)
    assert refused.value.code in ("playlist", "unreadable")


async def test_a_good_file_is_measured(clips: Clips) -> None:
    inspection = await inspect(clips.landscape, LIMITS)
    assert inspection.demuxer == "mov"
    assert inspection.loudness is not None
    assert -30 < inspection.loudness.integrated < -10


def test_which_tool_failures_are_fatal() -> None:
    from media.errors import ToolFailed, ToolTimedOut

    argv = ["ffmpeg", "-i", "x"]
    assert ToolFailed(argv, 1, "x: Invalid data found when processing input", reason="failed").fatal
    assert not ToolFailed(argv, 1, "Cannot allocate memory", reason="failed").fatal
    assert not ToolTimedOut(argv, None, "Invalid argument", reason="timed out").fatal
