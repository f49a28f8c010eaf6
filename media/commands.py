"""ffmpeg command lines, built purely with ffmpeg-python (`ffmpeg.compile`) and unit-tested.

One process per statement: the source is decoded once, normalised (rotation applied,
deinterlaced, constant frame rate, yuv420p; stereo 48 kHz at the target loudness), then
`split` to every rendition of the HLS ladder, an audio-only rendition and a poster.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ffmpeg

from media.ladder import Ladder
from media.probe import MediaInfo
from media.validation import Loudness

SEGMENT_SECONDS = 6
AUDIO_RENDITION = "audio"
MASTER = "master.m3u8"
POSTER = "poster.jpg"
DOWNLOAD = "statement.mp4"


@dataclass(frozen=True)
class TranscodeSpec:
    source: Path
    demuxer: str
    info: MediaInfo
    ladder: Ladder
    out_dir: Path
    loudness_target: float = -16.0
    loudness: Loudness | None = None
    preset: str = "veryfast"


def variant_playlist(name: str) -> str:
    return f"{name}/index.m3u8"


def transcode_command(spec: TranscodeSpec) -> list[str]:
    """The argv of the one ffmpeg process that writes the whole ladder and the poster."""
    source = ffmpeg.input(
        f"file:{spec.source}", f=spec.demuxer, protocol_whitelist="file", thread_queue_size=512
    )
    count = len(spec.ladder.renditions)
    # One sound branch per muxed rendition, one for audio-only, one to draw a waveform.
    sounds = _audio(source, spec).filter_multi_output(
        "asplit", count + 1 + int(spec.ladder.audio_only_source)
    )
    picture = (
        _waveform(sounds.stream(count + 1), spec.ladder)
        if spec.ladder.audio_only_source
        else _picture(source, spec)
    )
    pictures = picture.filter_multi_output("split", count + 1)  # the last for the poster
    # -xerror: a damaged picture stops the job (the sound was checked before).
    command = ffmpeg.merge_outputs(
        _hls_output(spec, pictures, sounds), _poster_output(spec, pictures.stream(count))
    ).global_args("-nostdin", "-hide_banner", "-nostats", "-loglevel", "level+warning", "-xerror")
    command = command.global_args("-progress", "pipe:1")
    return list(ffmpeg.compile(command, overwrite_output=True))


def _hls_output(spec: TranscodeSpec, pictures: Any, sounds: Any) -> Any:
    """Every rendition into one HLS muxer: `%v` is each variant's name."""
    streams: list[Any] = []
    options: dict[str, Any] = {}
    stream_map = []
    for index, rendition in enumerate(spec.ladder.renditions):
        scaled = pictures.stream(index).filter(
            "scale", rendition.width, rendition.height, flags="bicubic"
        )
        streams += [scaled.filter("setsar", 1), sounds.stream(index)]
        options.update(
            {
                f"b:v:{index}": f"{rendition.video_kbps}k",
                f"maxrate:v:{index}": f"{rendition.maxrate_kbps}k",
                f"bufsize:v:{index}": f"{rendition.video_kbps * 2}k",
                f"level:v:{index}": rendition.level,
                f"b:a:{index}": f"{rendition.audio_kbps}k",
            }
        )
        stream_map.append(f"v:{index},a:{index},name:{rendition.name}")
    audio_index = len(spec.ladder.renditions)
    streams.append(sounds.stream(audio_index))
    options[f"b:a:{audio_index}"] = f"{spec.ladder.audio_kbps}k"
    stream_map.append(f"a:{audio_index},name:{AUDIO_RENDITION}")
    return ffmpeg.output(
        *streams,
        str(spec.out_dir / "%v" / "index.m3u8"),
        f="hls",
        **_video_codec(spec),
        **{"c:a": "aac", "ac": 2, "ar": 48000},
        **options,
        var_stream_map=" ".join(stream_map),
        hls_time=SEGMENT_SECONDS,
        hls_playlist_type="vod",
        hls_segment_filename=str(spec.out_dir / "%v" / "seg_%03d.ts"),
        hls_flags="independent_segments",
    )


def _poster_output(spec: TranscodeSpec, picture: Any) -> Any:
    top = spec.ladder.top
    return ffmpeg.output(
        picture.filter("scale", top.width, top.height),
        str(spec.out_dir / POSTER),
        ss=_poster_time(spec.info.duration_s),
        vframes=1,
        update=1,
        **{"q:v": 3},
    )


def download_command(out_dir: Path, rendition: str) -> list[str]:
    """Remux the best rendition's segments into one progressive MP4 (no second encode)."""
    source = ffmpeg.input(
        f"file:{out_dir / variant_playlist(rendition)}", f="hls", protocol_whitelist="file"
    )
    output = ffmpeg.output(
        source,
        str(out_dir / DOWNLOAD),
        c="copy",
        movflags="+faststart",
        **{"bsf:a": "aac_adtstoasc"},
    ).global_args("-nostdin", "-hide_banner", "-nostats", "-loglevel", "level+warning")
    return list(ffmpeg.compile(output, overwrite_output=True))


def _video_codec(spec: TranscodeSpec) -> dict[str, Any]:
    gop = spec.ladder.gop
    return {
        "c:v": "libx264",
        "preset": spec.preset,
        "profile:v": "main",
        "pix_fmt": "yuv420p",
        "g": gop,
        "keyint_min": gop,
        "sc_threshold": 0,
        "force_key_frames": f"expr:gte(t,n_forced*{gop // spec.ladder.frame_rate})",
    }


def _picture(source: Any, spec: TranscodeSpec) -> Any:
    # ffmpeg applies the rotation of phone recordings itself (autorotate) before the graph.
    picture = source.video
    if spec.info.video is not None and spec.info.video.interlaced:
        picture = picture.filter("yadif")
    return picture.filter("fps", fps=spec.ladder.frame_rate).filter("format", "yuv420p")


def _waveform(audio: Any, ladder: Ladder) -> Any:
    width, height = ladder.top.width, ladder.top.height
    return audio.filter(
        "showwaves",
        s=f"{width}x{height}",
        mode="cline",
        rate=ladder.frame_rate,
        colors="0xf1faee",
    ).filter("format", "yuv420p")


def _audio(source: Any, spec: TranscodeSpec) -> Any:
    # Fill gaps and drop overlaps by timestamp first: variable-frame-rate phone recordings
    # keep their sound in sync with the constant-rate picture.
    audio = source.audio.filter("aresample", **{"async": 1, "first_pts": 0})
    measured = spec.loudness
    loudnorm: dict[str, Any] = {"I": spec.loudness_target, "TP": -1.5, "LRA": 11}
    if measured is not None:
        # loudnorm keeps to a plain gain (linear) only when the target range holds the
        # recording's own: ask for at least its range, so speech is not compressed.
        loudnorm["LRA"] = min(50, max(11, math.ceil(measured.lra)))
        loudnorm.update(
            measured_I=measured.integrated,
            measured_TP=measured.true_peak,
            measured_LRA=measured.lra,
            measured_thresh=measured.threshold,
            linear="true",
        )
    return (
        audio.filter("loudnorm", **loudnorm)
        .filter("aresample", 48000)
        .filter("aformat", sample_fmts="fltp", channel_layouts="stereo")
    )


def _poster_time(duration_s: float) -> float:
    return round(min(1.0, duration_s / 2), 2)
