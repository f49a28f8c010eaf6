"""The transcode job: an uploaded file becomes the statement's next ready recording.

A refused file is not a failed job: the statement gets the refusal's message and the job is
done. A tool failure is retried unless ffmpeg's stderr shows it cannot succeed; when the
runner gives up, the statement is marked failed and moderators get the stderr.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import time
from pathlib import Path
from typing import Any

from sqlalchemy.orm import selectinload

from media.errors import MediaRejected, ToolFailed
from media.pipeline import TranscodeOptions, discard, partial_dir, transcode
from media.validation import Limits
from server.db import Database
from server.jobs import JobFatal
from server.models import CountrySession, Job, Review, Statement
from server.settings import Settings
from server.statements.lifecycle import MediaEvent, next_state
from server.statements.notify import Notifier, announce
from server.statements.recording import Recording, statement_dir, version_dir, version_of
from server.statements.uploads import remove_file

log = logging.getLogger(__name__)
PROGRESS_INTERVAL_S = 1.0
FAILED_MESSAGE = "We could not process this recording; the organisers have been told."


class TranscodeHandler:
    """Runs `media.pipeline.transcode` for one statement version."""

    def __init__(self, database: Database, settings: Settings, notifier: Notifier) -> None:
        self._database = database
        self._settings = settings
        self._notifier = notifier

    def statement_dir(self, statement_id: int) -> Path:
        return statement_dir(self._settings.media_dir, statement_id)

    async def run(self, job: Job) -> None:
        statement_id, version = _subject(job)
        source = self._settings.uploads_dir / str(job.payload["upload"])
        async with self._database.read() as session:
            statement = await session.get(
                Statement,
                statement_id,
                options=[
                    selectinload(Statement.country_session).selectinload(CountrySession.event)
                ],
            )
        if statement is None or statement.version != version:
            await asyncio.to_thread(remove_file, source)
            return  # deleted, or replaced by a newer upload: nothing to do
        options = self._options(statement.country_session.event.max_statement_seconds)
        out_dir = version_dir(self._settings.media_dir, statement_id, version)
        reporter = _ProgressReporter(self, statement_id, version)
        try:
            # Each attempt writes its own folder: one that lost its lease and is being stopped
            # never writes into the files of the attempt that took over.
            result = await transcode(
                source,
                out_dir,
                options,
                reporter.report,
                work_dir=partial_dir(out_dir, job.attempts),
            )
        except MediaRejected as rejection:
            await asyncio.to_thread(discard, out_dir)
            await self._settle(
                statement_id,
                version,
                MediaEvent.REJECTED,
                error={"code": rejection.code, "message": rejection.message},
            )
            await asyncio.to_thread(remove_file, source)
            return
        except ToolFailed as failure:
            if failure.fatal:
                raise JobFatal(str(failure)) from failure
            raise
        await asyncio.to_thread(discard, out_dir)  # litter of interrupted attempts
        recording = Recording.from_transcoded(result, version)
        await self._settle(statement_id, version, MediaEvent.TRANSCODED, recording=recording)
        await asyncio.to_thread(remove_file, source)

    def _options(self, max_statement_seconds: int) -> TranscodeOptions:
        return TranscodeOptions(
            limits=Limits(
                max_duration_s=max_statement_seconds,
                grace_s=self._settings.statement_grace_seconds,
            ),
            loudness_target=self._settings.loudness_target_lufs,
            preset=self._settings.transcode_preset,
        )

    async def give_up(self, job: Job, error: BaseException) -> None:
        statement_id, version = _subject(job)
        await asyncio.to_thread(
            discard, version_dir(self._settings.media_dir, statement_id, version)
        )
        detail = (
            getattr(error, "stderr", None) or getattr(error.__cause__, "stderr", None) or str(error)
        )
        await self._settle(
            statement_id,
            version,
            MediaEvent.FAILED,
            error={"code": "processing_failed", "message": FAILED_MESSAGE, "detail": detail},
        )

    async def save_progress(self, statement_id: int, version: int, progress: float) -> None:
        async with self._database.write() as session:
            statement = await session.get(Statement, statement_id)
            if statement is None or statement.version != version:
                return
            statement.progress = progress
        await announce(self._notifier, statement)

    async def _settle(
        self,
        statement_id: int,
        version: int,
        event: MediaEvent,
        *,
        recording: Recording | None = None,
        error: dict[str, Any] | None = None,
    ) -> None:
        async with self._database.write() as session:
            statement = await session.get(Statement, statement_id, with_for_update=True)
            if statement is None or statement.version != version:
                return
            statement.state = next_state(statement.state, event)
            statement.error = error
            if recording is not None:
                statement.media = recording.to_json()
                statement.progress = 1.0
                # New content is reviewed again; the approved recording stays on screen.
                statement.review = Review.PENDING
                statement.review_reason = None
            kept = (
                Recording.from_json(statement.media),
                Recording.from_json(statement.approved_media),
            )
            keep = {recording.version for recording in kept if recording is not None}
        await asyncio.to_thread(_prune_versions, self.statement_dir(statement_id), keep)
        await announce(self._notifier, statement)


class _ProgressReporter:
    """Saves and announces progress at most about once a second."""

    def __init__(self, handler: TranscodeHandler, statement_id: int, version: int) -> None:
        self._handler = handler
        self._statement_id = statement_id
        self._version = version
        self._last = 0.0

    async def report(self, progress: float) -> None:
        now = time.monotonic()
        if now - self._last < PROGRESS_INTERVAL_S or progress >= 1.0:
            return  # the final 1.0 comes with the ready state
        self._last = now
        await self._handler.save_progress(self._statement_id, self._version, round(progress, 3))


def _subject(job: Job) -> tuple[int, int]:
    if job.statement_id is None:
        raise JobFatal("a transcode job needs a statement")
    return job.statement_id, int(job.payload["version"])


def _prune_versions(statement_dir: Path, keep: set[int]) -> None:
    """Delete rendition directories no longer on screen nor current (and partial ones)."""
    if not statement_dir.is_dir():
        return
    newest_kept = max(keep, default=0)
    for child in statement_dir.iterdir():
        version = version_of(child.name)
        # A newer version than those kept may be being written by the next job: leave it.
        if child.is_dir() and version is not None and version not in keep and version < newest_kept:
            shutil.rmtree(child, ignore_errors=True)
