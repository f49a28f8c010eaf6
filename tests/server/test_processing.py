"""The transcode job's progress reporting: saved and announced about once a second."""

from __future__ import annotations

import pytest

from server.statements import processing


class Saver:
    def __init__(self) -> None:
        self.saved: list[float] = []

    async def save_progress(self, statement_id: int, version: int, progress: float) -> None:
        self.saved.append(progress)


async def test_progress_is_throttled(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [100.0]
    monkeypatch.setattr(processing.time, "monotonic", lambda: clock[0])
    saver = Saver()
    reporter = processing._ProgressReporter(saver, 1, 1)  # type: ignore[arg-type]
    for step in range(10):  # ten reports within 0.9 s
        clock[0] += 0.1
        await reporter.report(step / 10)
    assert saver.saved == [0.0]
    clock[0] += 1.0
    await reporter.report(0.95)
    await reporter.report(1.0)  # the end comes with the ready state, not as progress
    assert saver.saved == [0.0, 0.95]
