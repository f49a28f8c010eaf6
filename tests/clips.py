"""Small synthesised recordings for the media tests, made once per test run with ffmpeg."""

from __future__ import annotations

import subprocess
from pathlib import Path

LAVFI_PICTURE = "testsrc2=size={size}:rate={rate}:duration={seconds}"
LAVFI_SOUND = "sine=frequency=440:sample_rate=44100:duration={seconds}"


def ffmpeg(*args: str) -> None:
    subprocess.run(
        ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *args],
        check=True,
    )


def clip(
    path: Path,
    *,
    size: str = "320x180",
    seconds: float = 3,
    rate: int = 30,
    video: list[str] | None = None,
    audio: list[str] | None = None,
    extra: list[str] | None = None,
) -> Path:
    """A test picture with a 440 Hz tone, encoded as asked (H.264/AAC by default)."""
    ffmpeg(
        "-f",
        "lavfi",
        "-i",
        LAVFI_PICTURE.format(size=size, rate=rate, seconds=seconds),
        "-f",
        "lavfi",
        "-i",
        LAVFI_SOUND.format(seconds=seconds),
        *(video or ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]),
        *(audio or ["-c:a", "aac", "-b:a", "96k"]),
        *(extra or []),
        "-shortest",
        str(path),
    )
    return path


class Clips:
    """Each recording the tests need, made on first use and kept for the run."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _cached(self, name: str) -> Path | None:
        path = self.folder / name
        return path if path.exists() else None

    @property
    def landscape(self) -> Path:
        return self._cached("landscape.mp4") or clip(
            self.folder / "landscape.mp4", extra=["-movflags", "+faststart"]
        )

    @property
    def hd(self) -> Path:
        return self._cached("hd.mp4") or clip(self.folder / "hd.mp4", size="1280x720", seconds=2)

    @property
    def portrait(self) -> Path:
        """A phone recording: landscape coded picture, rotation metadata of 90°."""
        cached = self._cached("portrait.mp4")
        if cached:
            return cached
        ffmpeg(
            "-i",
            str(self.landscape),
            "-c",
            "copy",
            "-metadata:s:v:0",
            "rotate=90",
            str(self.folder / "portrait.mp4"),
        )
        return self.folder / "portrait.mp4"

    @property
    def webm(self) -> Path:
        return self._cached("vp9.webm") or clip(
            self.folder / "vp9.webm",
            seconds=2,
            video=["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "200k"],
            audio=["-c:a", "libopus", "-b:a", "64k"],
        )

    @property
    def variable_frame_rate(self) -> Path:
        """Frames dropped irregularly, timestamps kept: a variable frame rate."""
        return self._cached("vfr.mkv") or clip(
            self.folder / "vfr.mkv",
            extra=["-vf", "select='lt(mod(n,7),4)+lt(t,0.5)'", "-fps_mode", "vfr"],
        )

    @property
    def interlaced(self) -> Path:
        """Top field first, as a broadcast camera writes it."""
        return self._cached("interlaced.mp4") or clip(
            self.folder / "interlaced.mp4",
            seconds=2,
            rate=25,
            video=[
                "-vf",
                "setfield=tff",
                "-flags",
                "+ildct+ilme",
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-x264-params",
                "tff=1",
            ],
        )

    @property
    def audio_only(self) -> Path:
        path = self.folder / "voice.m4a"
        if not path.exists():
            ffmpeg("-f", "lavfi", "-i", LAVFI_SOUND.format(seconds=3), "-c:a", "aac", str(path))
        return path

    @property
    def truncated(self) -> Path:
        path = self.folder / "truncated.mp4"
        if not path.exists():
            data = self.landscape.read_bytes()
            path.write_bytes(data[: len(data) * 6 // 10])
        return path

    @property
    def text(self) -> Path:
        path = self.folder / "notes.mp4"
        path.write_text("Our statement on the right to education.\n" * 50)
        return path

    @property
    def empty(self) -> Path:
        path = self.folder / "empty.mp4"
        path.write_bytes(b"")
        return path

    @property
    def playlist(self) -> Path:
        path = self.folder / "statement.mp4"
        path.write_text(
            "#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXTINF:6.0,\nhttp://example.org/seg0.ts\n"
            "#EXT-X-ENDLIST\n"
        )
        return path
