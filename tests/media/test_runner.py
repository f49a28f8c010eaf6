"""The one place processes start: time limits, progress, stderr kept on failure."""

from __future__ import annotations

import time

import pytest

from media.errors import ToolFailed, ToolTimedOut
from media.runner import run_ffmpeg, run_tool


async def test_a_tool_past_its_time_limit_is_killed() -> None:
    started = time.monotonic()
    with pytest.raises(ToolTimedOut):
        await run_tool(["sleep", "30"], time_limit=0.2)
    assert time.monotonic() - started < 5


async def test_ffmpeg_reports_progress_and_keeps_stderr_on_failure() -> None:
    reports: list[float] = []

    async def progress(fraction: float) -> None:
        reports.append(fraction)

    argv = ["ffmpeg", "-nostdin", "-f", "lavfi", "-i", "sine=duration=2", "-f", "null", "-"]
    await run_ffmpeg(
        [*argv, "-progress", "pipe:1"], time_limit=30, duration_s=2, on_progress=progress
    )
    assert reports[-1] == 1.0
    assert reports == sorted(reports)
    with pytest.raises(ToolFailed) as failed:
        await run_ffmpeg(
            ["ffmpeg", "-nostdin", "-i", "file:/nonexistent.mp4"], time_limit=30, duration_s=1
        )
    assert "No such file or directory" in failed.value.stderr
    assert failed.value.fatal
    assert failed.value.argv[0] == "ffmpeg"
