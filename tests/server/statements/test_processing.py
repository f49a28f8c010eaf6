"""The transcode job: progress saved and announced about once a second; giving up; which
versions of a recording are kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from media.errors import ToolFailed
from server.db import Database
from server.identity.service import Identity
from server.jobs import JobFatal
from server.models import Job, Statement, StatementState
from server.settings import Settings
from server.statements import processing
from server.statements.notify import StatementProgress
from tests.factories import seed


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


def test_versions_neither_latest_nor_approved_are_pruned(tmp_path: Path) -> None:
    statement_dir = tmp_path / "statements" / "7"
    for name in ("v1", "v2", "v3", "v4.partial-2", "v5", "v5.partial-1", "captions"):
        (statement_dir / name).mkdir(parents=True)
    (statement_dir / "v6").write_text("not a directory")
    processing._prune_versions(statement_dir, keep={2, 4})
    left = sorted(child.name for child in statement_dir.iterdir())
    # v1 and v3 go; v2 and v4 are kept; v5 is newer than any kept (the next job may be
    # writing it); captions and files are not versions.
    assert left == ["captions", "v2", "v4.partial-2", "v5", "v5.partial-1", "v6"]


def test_pruning_a_statement_without_media_does_nothing(tmp_path: Path) -> None:
    processing._prune_versions(tmp_path / "statements" / "8", keep=set())


class Told:
    def __init__(self) -> None:
        self.progress: list[StatementProgress] = []

    async def statement_progress(self, progress: StatementProgress) -> None:
        self.progress.append(progress)


async def in_processing(database: Database, settings: Settings, version: int) -> int:
    """The seed's statement, processing its `version`: its id."""
    seeded = await seed(database, Identity.from_settings(database, settings))
    async with database.write() as session:
        statement = await session.get(Statement, seeded.statement_id)
        assert statement is not None
        statement.state, statement.version = StatementState.PROCESSING, version
    return seeded.statement_id


async def reread(database: Database, statement_id: int) -> Statement:
    async with database.read() as session:
        statement = await session.get(Statement, statement_id)
    assert statement is not None
    return statement


async def test_giving_up_marks_the_statement_failed_and_keeps_stderr_for_organisers(
    database: Database, settings: Settings
) -> None:
    statement_id = await in_processing(database, settings, 3)
    job = Job(kind="transcode", statement_id=statement_id, payload={"version": 3})
    out_dir = settings.media_dir / "statements" / str(statement_id) / "v3"
    for attempt in (1, 2):
        (out_dir.parent / f"v3.partial-{attempt}").mkdir(parents=True)
    told = Told()
    handler = processing.TranscodeHandler(database, settings, told)
    failure = ToolFailed(["ffmpeg"], 1, "Unknown encoder 'libx264'", reason="failed")
    try:  # as the handler's run raises it, and the runner hands it on
        raise JobFatal(str(failure)) from failure
    except JobFatal as error:
        await handler.give_up(job, error)
    statement = await reread(database, statement_id)
    assert statement.state is StatementState.FAILED
    assert statement.error is not None
    assert statement.error["code"] == "processing_failed"
    assert statement.error["message"] == processing.FAILED_MESSAGE
    assert statement.error["detail"] == "Unknown encoder 'libx264'"
    assert list(out_dir.parent.iterdir()) == []  # the attempts' litter is gone
    assert told.progress[-1].state == "failed"
    assert told.progress[-1].error is not None
    assert "detail" not in told.progress[-1].error  # ffmpeg's stderr stays with organisers


async def test_giving_up_on_a_replaced_version_changes_nothing(
    database: Database, settings: Settings
) -> None:
    statement_id = await in_processing(database, settings, 4)
    told = Told()
    handler = processing.TranscodeHandler(database, settings, told)
    job = Job(kind="transcode", statement_id=statement_id, payload={"version": 3})
    await handler.give_up(job, RuntimeError("the old upload's job"))
    statement = await reread(database, statement_id)
    assert statement.state is StatementState.PROCESSING
    assert statement.error is None
    assert told.progress == []
