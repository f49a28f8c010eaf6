"""Transcode benchmark: our pipeline vs bare ffmpeg on the same ladder, vs one per rendition.

    .venv/bin/python bench/transcode.py [--seconds 60] [--preset veryfast]

Synthesises a 1080p30 clip (ffmpeg lavfi: testsrc2 and a tone), then times, in one run:
1. our pipeline (`media.pipeline.transcode`): validation pass, the one-process ladder,
   the download remux, measured playlists, publishing;
2. bare ffmpeg running the very ladder command the pipeline builds (goal: 1. at most 1.05 times 2.);
3. one ffmpeg per rendition, each decoding the source again (what one split avoids).
1. and 2. run twice, interleaved, and the best of each counts (the machine may be shared).
Prints each as wall time and x realtime, the processes' CPU time (steadier than wall time
when other work shares the machine), and the ratios. Not a test: machine-dependent.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import ffmpeg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from media.commands import TranscodeSpec, transcode_command
from media.ladder import Ladder, Rendition, plan
from media.pipeline import TranscodeOptions, transcode
from media.runner import run_tool
from media.validation import Inspection, Limits, inspect

ROUNDS = 2


async def synthesise(path: Path, seconds: int) -> None:
    source = ffmpeg.input(f"testsrc2=size=1920x1080:rate=30:duration={seconds}", f="lavfi")
    tone = ffmpeg.input(f"sine=frequency=220:sample_rate=48000:duration={seconds}", f="lavfi")
    output = ffmpeg.output(
        source,
        tone,
        str(path),
        vcodec="libx264",
        preset="ultrafast",
        crf=20,
        pix_fmt="yuv420p",
        acodec="aac",
    ).global_args("-nostdin", "-hide_banner", "-loglevel", "error")
    await run_tool(ffmpeg.compile(output, overwrite_output=True), time_limit=3600)


class Clock:
    """Wall time, and CPU time of the child processes (steady on a shared machine)."""

    def __enter__(self) -> Clock:
        self._wall = time.perf_counter()
        self._cpu = _children_cpu()
        return self

    def __exit__(self, *_: object) -> None:
        self.wall = time.perf_counter() - self._wall
        self.cpu = _children_cpu() - self._cpu


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


async def timed(argv: list[str]) -> Clock:
    with Clock() as clock:
        await run_tool(argv, time_limit=3600)
    return clock


def spec(source: Path, found: Inspection, ladder: Ladder, out: Path, preset: str) -> TranscodeSpec:
    return TranscodeSpec(
        source=source,
        demuxer=found.demuxer,
        info=found.info,
        ladder=ladder,
        out_dir=out,
        loudness=found.loudness,
        preset=preset,
    )


def single_rendition(
    source: Path, found: Inspection, rendition: Rendition, out: Path, preset: str
) -> list[str]:
    """One rendition (or the audio-only one) in its own process: the naive alternative."""
    ladder = plan(found.info)
    stream = ffmpeg.input(f"file:{source}", f=found.demuxer, protocol_whitelist="file")
    audio = stream.audio.filter("loudnorm", I=-16, TP=-1.5, LRA=11).filter("aresample", 48000)
    common = {"f": "hls", "hls_time": 6, "hls_playlist_type": "vod", "c:a": "aac", "ac": 2}
    if rendition.name == "audio":
        output = ffmpeg.output(audio, str(out / "index.m3u8"), **common, **{"b:a": "64k"})
    else:
        picture = (
            stream.video.filter("fps", fps=ladder.frame_rate)
            .filter("format", "yuv420p")
            .filter("scale", rendition.width, rendition.height)
        )
        output = ffmpeg.output(
            picture,
            audio,
            str(out / "index.m3u8"),
            **common,
            **{
                "c:v": "libx264",
                "preset": preset,
                "profile:v": "main",
                "b:v": f"{rendition.video_kbps}k",
                "maxrate": f"{rendition.maxrate_kbps}k",
                "bufsize": f"{rendition.video_kbps * 2}k",
                "g": ladder.gop,
                "keyint_min": ladder.gop,
                "sc_threshold": 0,
                "b:a": f"{rendition.audio_kbps}k",
            },
        )
    output = output.global_args("-nostdin", "-hide_banner", "-loglevel", "error")
    return list(ffmpeg.compile(output, overwrite_output=True))


async def run(seconds: int, preset: str) -> None:
    with tempfile.TemporaryDirectory(prefix="presession-bench-") as folder:
        work = Path(folder)
        source = work / "source.mp4"
        await synthesise(source, seconds)
        limits = Limits(max_duration_s=seconds + 60)

        found = await inspect(source, limits)
        ladder = plan(found.info)
        ours_runs, bare_runs = [], []
        for attempt in range(ROUNDS):  # interleaved, best of each: the machine may be shared
            out = work / f"ours{attempt}" / "v1"
            with Clock() as clock:
                await transcode(source, out, TranscodeOptions(limits, preset=preset))
            ours_runs.append(clock)
            bare_dir = work / f"bare{attempt}"
            bare_dir.mkdir()
            argv = transcode_command(spec(source, found, ladder, bare_dir, preset))
            bare_runs.append(await timed(argv))
            shutil.rmtree(out.parent)
            shutil.rmtree(bare_dir)
        ours, bare = _best(ours_runs), _best(bare_runs)

        separate = Clock()
        separate.wall = separate.cpu = 0.0
        audio = Rendition("audio", 0, 0, 0, 64, "")
        for rendition in (*ladder.renditions, audio):
            out = work / "separate" / rendition.name
            out.mkdir(parents=True)
            one = await timed(single_rendition(source, found, rendition, out, preset))
            separate.wall += one.wall
            separate.cpu += one.cpu
        shutil.rmtree(work / "separate")

    def line(label: str, clock: Clock) -> str:
        return (
            f"  {label:<50} {clock.wall:7.2f} s  {seconds / clock.wall:5.2f}x realtime"
            f"  (CPU {clock.cpu:6.1f} s)"
        )

    names = ", ".join(r.name for r in ladder.renditions)
    print(f"source: {seconds} s of 1920x1080 at 30 fps, H.264/AAC; preset {preset}")
    print(f"ladder: {names} + audio; best of {ROUNDS} interleaved runs for the first two")
    print(line("our pipeline (validate, ladder, mp4, playlists)", ours))
    print(line("bare ffmpeg, the same ladder command", bare))
    print(line(f"one ffmpeg per rendition ({len(ladder.renditions) + 1}, in turn)", separate))
    print(f"  ratio pipeline / bare ladder command:  wall {ours.wall / bare.wall:5.3f}", end="")
    print(f"  CPU {ours.cpu / bare.cpu:5.3f}  (goal <= 1.05)")
    print(f"  ratio pipeline / one per rendition:    wall {ours.wall / separate.wall:5.3f}", end="")
    print(f"  CPU {ours.cpu / separate.cpu:5.3f}")
    print(f"  ratio bare ladder / one per rendition: wall {bare.wall / separate.wall:5.3f}", end="")
    print(f"  CPU {bare.cpu / separate.cpu:5.3f}")


def _best(runs: list[Clock]) -> Clock:
    return min(runs, key=lambda clock: clock.wall)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--preset", default="veryfast")
    args = parser.parse_args()
    asyncio.run(run(args.seconds, args.preset))


if __name__ == "__main__":
    main()
