"""The ladder (pure): never upscaled, portrait kept upright, exact CODECS strings."""

from __future__ import annotations

from media.ladder import plan
from media.probe import AudioStream, MediaInfo, VideoStream

SOUND = AudioStream("aac", 2, 48000)


def info(width: int | None, height: int | None, rate: float = 30.0) -> MediaInfo:
    video = (
        None
        if width is None or height is None
        else VideoStream("h264", width, height, 0, rate, False)
    )
    return MediaInfo(("mov",), 60.0, 1000, video, SOUND)


def sizes(source: MediaInfo) -> list[tuple[str, int, int]]:
    return [(r.name, r.width, r.height) for r in plan(source).renditions]


def test_full_hd_gets_every_rung() -> None:
    assert sizes(info(1920, 1080)) == [("720p", 1280, 720), ("360p", 640, 360), ("240p", 426, 240)]


def test_portrait_keeps_its_shape() -> None:
    assert sizes(info(1080, 1920)) == [("720p", 720, 1280), ("360p", 360, 640), ("240p", 240, 426)]


def test_never_upscaled() -> None:
    assert sizes(info(640, 480)) == [("360p", 480, 360), ("240p", 320, 240)]
    assert sizes(info(320, 180)) == [("180p", 320, 180)]


def test_audio_only_shows_a_waveform_picture() -> None:
    ladder = plan(info(None, None))
    assert ladder.audio_only_source
    assert [r.name for r in ladder.renditions] == ["360p", "240p"]


def test_frame_rate_is_constant_and_capped() -> None:
    assert plan(info(1280, 720, 59.94)).frame_rate == 30
    assert plan(info(1280, 720, 25.0)).frame_rate == 25
    assert plan(info(1280, 720, 0.0)).frame_rate == 30
    assert plan(info(1280, 720, 25.0)).gop == 50


def test_codecs_name_profile_and_level() -> None:
    ladder = plan(info(1920, 1080))
    assert ladder.top.codecs == "avc1.4d401f,mp4a.40.2"
    assert ladder.renditions[1].codecs == "avc1.4d401e,mp4a.40.2"
