"""Which ffmpeg tools are installed, and their versions."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

TOOLS = ("ffmpeg", "ffprobe")


@dataclass(frozen=True)
class ToolStatus:
    name: str
    version: str | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.version is not None


async def tool_status(name: str, time_limit: float = 10.0) -> ToolStatus:
    """Run `NAME -version` and read the version from its first line."""
    try:
        process = await asyncio.create_subprocess_exec(
            name,
            "-hide_banner",
            "-version",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
    except FileNotFoundError:
        return ToolStatus(name, None, f"{name} is not installed")
    try:
        output, _ = await asyncio.wait_for(process.communicate(), time_limit)
    except TimeoutError:
        process.kill()
        await process.wait()
        return ToolStatus(name, None, f"{name} -version did not answer in {time_limit:.0f} s")
    first_line = output.decode(errors="replace").partition("\n")[0]
    words = first_line.split()
    if process.returncode != 0 or len(words) < 3 or words[1] != "version":
        return ToolStatus(name, None, f"{name} -version answered {first_line!r}")
    return ToolStatus(name, words[2])


class ToolChecker:
    """Caches the tools' status briefly, so a busy health probe does not fork each time."""

    def __init__(self, max_age: float = 30.0) -> None:
        self._max_age = max_age
        self._checked_at = -max_age
        self._statuses: tuple[ToolStatus, ...] = ()

    async def statuses(self) -> tuple[ToolStatus, ...]:
        now = time.monotonic()
        if now - self._checked_at >= self._max_age:
            self._statuses = tuple(await asyncio.gather(*(tool_status(t) for t in TOOLS)))
            self._checked_at = now
        return self._statuses
