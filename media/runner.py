"""Running ffmpeg and ffprobe: asynchronously, with a time limit, progress and stderr kept.

The only place in the library that starts a process. The event loop never waits on a tool:
processes run under asyncio, and a killed or timed-out process is reaped before we return.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import signal
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from media.errors import ToolFailed, ToolTimedOut

ProgressCallback = Callable[[float], Awaitable[None]]
STDERR_KEPT = 64 * 1024  # the tail of stderr kept for error reports
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child, before exec: be killed when the process that started us dies.

    A worker killed with `kill -9` cannot stop its ffmpeg; without this the orphan would go on
    writing while another worker runs the same job again.
    """
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _process_options() -> dict[str, Any]:
    return {"preexec_fn": _die_with_parent} if sys.platform == "linux" else {}


@dataclass(frozen=True)
class ToolResult:
    returncode: int
    stdout: str
    stderr: str


async def run_tool(argv: list[str], *, time_limit: float, check: bool = True) -> ToolResult:
    """Run a tool to completion and capture its output; kill it past `time_limit` seconds."""
    process = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        **_process_options(),
    )
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), time_limit)
    except TimeoutError as error:
        await _stop(process)
        raise ToolTimedOut(argv, None, "", reason="timed out") from error
    except asyncio.CancelledError:
        await _stop(process)
        raise
    result = ToolResult(
        process.returncode or 0,
        stdout.decode(errors="replace"),
        stderr.decode(errors="replace")[-STDERR_KEPT:],
    )
    if check and result.returncode != 0:
        raise ToolFailed(argv, result.returncode, result.stderr, reason="failed")
    return result


async def run_ffmpeg(
    argv: list[str],
    *,
    time_limit: float,
    duration_s: float,
    on_progress: ProgressCallback | None = None,
) -> str:
    """Run an ffmpeg command written with `-progress pipe:1`; report 0..1; return stderr."""
    process = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        **_process_options(),
    )
    assert process.stdout is not None
    assert process.stderr is not None
    stderr_task = asyncio.ensure_future(_tail(process.stderr))
    try:
        async with asyncio.timeout(time_limit):
            await _follow_progress(process.stdout, duration_s, on_progress)
            returncode = await process.wait()
            stderr = await stderr_task
    except TimeoutError as error:
        await _stop(process)
        stderr = await stderr_task
        raise ToolTimedOut(argv, None, stderr, reason="timed out") from error
    except BaseException:
        await _stop(process)
        stderr_task.cancel()
        raise
    if returncode != 0:
        raise ToolFailed(argv, returncode, stderr, reason="failed")
    return stderr


async def _follow_progress(
    stdout: asyncio.StreamReader, duration_s: float, on_progress: ProgressCallback | None
) -> None:
    async for raw in stdout:
        key, _, value = raw.decode(errors="replace").strip().partition("=")
        if on_progress is None or duration_s <= 0:
            continue
        if key == "out_time_us" and value.isdigit():
            await on_progress(min(1.0, int(value) / 1e6 / duration_s))
        elif key == "progress" and value == "end":
            await on_progress(1.0)


async def _tail(stream: asyncio.StreamReader) -> str:
    kept = bytearray()
    while chunk := await stream.read(65536):
        kept += chunk
        del kept[:-STDERR_KEPT]
    return kept.decode(errors="replace")


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
    await asyncio.shield(process.wait())
