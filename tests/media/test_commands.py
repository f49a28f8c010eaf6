"""The ffmpeg command lines, checked without running them."""

from __future__ import annotations

from pathlib import Path

from media.commands import TranscodeSpec, download_command, transcode_command
from media.ladder import plan
from media.probe import AudioStream, MediaInfo, VideoStream
from media.validation import Loudness

SOURCE = MediaInfo(
    ("mov", "mp4"),
    12.0,
    1000,
    VideoStream("h264", 1920, 1080, 0, 30.0, True),
    AudioStream("aac", 1, 44100),
)


def command(**changes: object) -> list[str]:
    spec = TranscodeSpec(
        source=Path("/data/uploads/abc"),
        demuxer="mov",
        info=SOURCE,
        ladder=plan(SOURCE),
        out_dir=Path("/data/media/statements/1/v1.partial"),
        loudness=Loudness(-23.0, -5.0, 4.0, -33.0),
    )
    return transcode_command(spec)


def option(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def test_untrusted_input_is_read_safely() -> None:
    argv = command()
    assert argv[argv.index("-i") - 6 : argv.index("-i")].count("-f") == 1
    assert option(argv, "-f") == "mov"  # the demuxer is forced, never guessed
    assert option(argv, "-protocol_whitelist") == "file"
    assert option(argv, "-i") == "file:/data/uploads/abc"
    assert argv.count("-i") == 1  # decoded once


def test_one_decode_split_to_every_rendition() -> None:
    graph = option(command(), "-filter_complex")
    assert "split=4" in graph  # three renditions and the poster
    assert "asplit=4" in graph  # three muxed renditions and the audio-only one
    assert "yadif" in graph  # the source is interlaced
    assert "fps=fps=30" in graph
    assert "format=yuv420p" in graph
    for size in ("scale=1280:720", "scale=640:360", "scale=426:240"):
        assert size in graph
    assert "loudnorm=I=-16.0" in graph
    assert "linear=true" in graph
    assert "measured_I=-23.0" in graph
    assert "aresample=48000" in graph
    assert "channel_layouts=stereo" in graph


def test_hls_ladder_options() -> None:
    argv = command()
    assert option(argv, "-var_stream_map") == (
        "v:0,a:0,name:720p v:1,a:1,name:360p v:2,a:2,name:240p a:3,name:audio"
    )
    assert option(argv, "-hls_time") == "6"
    assert option(argv, "-g") == "60"
    assert option(argv, "-sc_threshold") == "0"
    assert option(argv, "-b:v:0") == "2500k"
    assert option(argv, "-b:a:3") == "64k"
    assert option(argv, "-c:v") == "libx264"
    assert option(argv, "-profile:v") == "main"
    assert option(argv, "-progress") == "pipe:1"
    assert "-xerror" in argv  # a damaged picture stops the job


def test_download_is_a_remux() -> None:
    argv = download_command(Path("/out"), "720p")
    assert option(argv, "-c") == "copy"
    assert option(argv, "-protocol_whitelist") == "file"
    assert argv[-2:] == ["/out/statement.mp4", "-y"] or "/out/statement.mp4" in argv
