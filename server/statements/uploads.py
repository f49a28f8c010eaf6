"""Resumable uploads (the domain behind tus): create, append at an offset, finish, expire.

Bytes stream to `uploads_dir/ID` in bounded chunks written by a worker thread, so memory
stays flat and the loop never waits on the disk. The file's size is the offset: what was
written before a dropped connection counts, and the client resumes from there. One append
at a time per upload: an asyncio lock in the process, and an exclusive `flock` on the upload's
file between processes that share the data folder. A finished upload
commits, in one write, the statement's next version and the transcode job that makes it.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import fcntl
import hashlib
import os
import secrets
import time
from collections.abc import AsyncIterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from server.db import Database
from server.deadlines import check_statement_open
from server.errors import (
    BadRequest,
    ChecksumMismatch,
    Conflict,
    Gone,
    NotFound,
    TooLarge,
)
from server.identity.principal import Principal
from server.jobs import JobQueue
from server.models import CountrySession, Statement, Upload, utcnow
from server.settings import Settings
from server.statements.lifecycle import MediaEvent, next_state
from server.statements.notify import Notifier, announce

TRANSCODE = "transcode"
WRITE_CHUNK = 4 * 1024 * 1024  # bytes gathered before one write in the worker thread
LOCK_WAIT_S = 10.0
LOCK_POLL_S = 0.05  # how often the file lock held by another process is tried again
CHECKSUM_ALGORITHMS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "md5": hashlib.md5}


@dataclass(frozen=True)
class UploadStatus:
    id: str
    offset: int
    length: int
    expires_at: datetime
    complete: bool


@dataclass(frozen=True)
class Checksum:
    algorithm: str
    digest: bytes

    @classmethod
    def parse(cls, header: str) -> Checksum:
        algorithm, _, encoded = header.strip().partition(" ")
        if algorithm not in CHECKSUM_ALGORITHMS:
            raise BadRequest(f"Checksum algorithm {algorithm!r} is not supported.")
        try:
            return cls(algorithm, base64.b64decode(encoded, validate=True))
        except ValueError as error:
            raise BadRequest("Upload-Checksum is not valid base64.") from error


class Uploads:
    def __init__(
        self, database: Database, settings: Settings, jobs: JobQueue, notifier: Notifier
    ) -> None:
        self._database = database
        self._settings = settings
        self._jobs = jobs
        self._notifier = notifier
        # One writer per upload: its lock, and how many requests hold or await it.
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}
        settings.uploads_dir.mkdir(parents=True, exist_ok=True)

    def path(self, upload_id: str) -> Path:
        return self._settings.uploads_dir / upload_id

    async def create(
        self, principal: Principal, statement_id: int, length: int, filename: str | None
    ) -> UploadStatus:
        """Start an upload to a statement; refused before any byte when it is too large."""
        self._check_length(length)
        now = utcnow()
        upload = Upload(
            id=secrets.token_hex(16),
            statement_id=statement_id,
            person_id=principal.person_id,
            length=length,
            filename=(filename or "")[:255] or None,
            expires_at=now + timedelta(hours=self._settings.upload_expiry_hours),
        )
        async with self._database.write() as session:
            statement = await session.get(
                Statement,
                statement_id,
                options=[
                    selectinload(Statement.country_session).selectinload(CountrySession.event)
                ],
                with_for_update=True,
            )
            if statement is None:
                raise NotFound("No such statement.")
            _check_deadline(statement, principal, now)
            statement.state = next_state(statement.state, MediaEvent.UPLOAD_STARTED)
            statement.progress = 0.0
            session.add(upload)
        await asyncio.to_thread(self.path(upload.id).touch, exist_ok=False)
        await announce(self._notifier, statement)
        if length == 0:  # nothing to send: complete now, and validation says what it is
            await self._complete(upload)
            return _status(upload, 0, complete=True)
        return _status(upload, 0)

    def _check_length(self, length: int) -> None:
        limit = self._settings.max_upload_bytes
        if length > limit:
            raise TooLarge(
                f"The file is {_size(length)}; the largest upload is {_size(limit)}.",
                code="upload_too_large",
            )
        if length < 0:
            raise BadRequest("Upload-Length cannot be negative.", code="bad_header")

    async def status(self, upload_id: str) -> UploadStatus:
        upload = await self._live_upload(upload_id)
        return _status(upload, await self._offset(upload))

    async def _offset(self, upload: Upload) -> int:
        if upload.completed_at is not None:
            return upload.length  # its bytes may already be processed and deleted
        return await asyncio.to_thread(_size_of, self.path(upload.id))

    async def append(
        self,
        upload_id: str,
        offset: int,
        chunks: AsyncIterable[bytes],
        checksum: Checksum | None = None,
    ) -> UploadStatus:
        """Write the body at `offset`; it must be where the upload stands (else 409)."""
        lock, users = self._locks.get(upload_id, (asyncio.Lock(), 0))
        self._locks[upload_id] = (lock, users + 1)
        busy = Conflict("Another request is writing to this upload.", code="upload_busy")
        give_up_at = time.monotonic() + LOCK_WAIT_S
        try:
            try:
                async with asyncio.timeout(LOCK_WAIT_S):
                    await lock.acquire()
            except TimeoutError as error:
                raise busy from error
            try:
                held = await _lock_file(self.path(upload_id), give_up_at)
                if held is False:
                    raise busy
                try:
                    return await self._append(upload_id, offset, chunks, checksum)
                finally:
                    if held is not None:
                        await asyncio.to_thread(os.close, held)  # closing releases the flock
            finally:
                lock.release()
        finally:
            lock, users = self._locks[upload_id]
            if users == 1:
                del self._locks[upload_id]
            else:
                self._locks[upload_id] = (lock, users - 1)

    async def _append(
        self, upload_id: str, offset: int, chunks: AsyncIterable[bytes], checksum: Checksum | None
    ) -> UploadStatus:
        upload = await self._live_upload(upload_id)
        path = self.path(upload_id)
        current = await self._offset(upload)
        if offset != current:
            raise Conflict(
                f"Upload-Offset is {offset} but the upload stands at {current}.",
                code="offset_mismatch",
            )
        if upload.completed_at is not None:
            return _status(upload, current)
        digest = CHECKSUM_ALGORITHMS[checksum.algorithm]() if checksum else None
        try:
            written = await _stream_to_file(path, chunks, upload.length - offset, digest)
            if digest is not None and checksum is not None and digest.digest() != checksum.digest:
                raise ChecksumMismatch("The bytes received do not match Upload-Checksum.")
        except BaseException:
            # Bytes that cannot be checked against their checksum are not kept.
            if checksum is not None:
                await asyncio.shield(asyncio.to_thread(os.truncate, path, offset))
            raise
        new_offset = offset + written
        if new_offset == upload.length:
            await self._complete(upload)
            return _status(upload, new_offset, complete=True)
        return _status(upload, new_offset)

    async def _complete(self, upload: Upload) -> None:
        async with self._database.write() as session:
            statement = await session.get(Statement, upload.statement_id, with_for_update=True)
            stored = await session.get(Upload, upload.id)
            if statement is None or stored is None:
                raise Gone("This upload was cancelled.")
            stored.completed_at = utcnow()
            stored.offset = stored.length
            statement.state = next_state(statement.state, MediaEvent.UPLOAD_COMPLETED)
            statement.version += 1
            statement.progress = 0.0
            statement.error = None
            self._jobs.enqueue(
                session,
                TRANSCODE,
                statement.id,
                {"upload": upload.id, "version": statement.version},
            )
        self._jobs.wake()
        await announce(self._notifier, statement)

    async def terminate(self, upload_id: str) -> None:
        """Cancel an upload and delete its bytes (tus termination)."""
        async with self._database.write() as session:
            upload = await session.get(Upload, upload_id)
            if upload is None:
                raise NotFound("No such upload.")
            if upload.completed_at is not None:
                raise Conflict("This upload is complete and being processed.", code="complete")
            await self._abandon(session, upload)
        await asyncio.to_thread(remove_file, self.path(upload_id))

    async def expire(self) -> int:
        """Delete unfinished uploads past their expiry, and their bytes."""
        now = utcnow()
        async with self._database.write() as session:
            expired = (
                await session.scalars(
                    select(Upload).where(Upload.completed_at.is_(None), Upload.expires_at < now)
                )
            ).all()
            for upload in expired:
                await self._abandon(session, upload)
        for upload in expired:
            await asyncio.to_thread(remove_file, self.path(upload.id))
        return len(expired)

    async def _abandon(self, session: AsyncSession, upload: Upload) -> None:
        statement = await session.get(Statement, upload.statement_id, with_for_update=True)
        await session.delete(upload)
        if statement is not None:
            statement.state = next_state(
                statement.state, MediaEvent.UPLOAD_ABANDONED, has_media=statement.media is not None
            )

    async def _live_upload(self, upload_id: str) -> Upload:
        async with self._database.read() as session:
            upload = await session.get(Upload, upload_id)
        if upload is None:
            raise NotFound("No such upload.")
        if upload.completed_at is None and upload.expires_at < utcnow():
            raise Gone("This upload expired; please start it again.", code="upload_expired")
        return upload


async def _stream_to_file(
    path: Path, chunks: AsyncIterable[bytes], room: int, digest: hashlib._Hash | None
) -> int:
    """Append the chunks; at most `room` bytes (more is refused). Returns bytes written.

    Blocks of about WRITE_CHUNK go to a worker thread while the next block is received:
    at most two blocks are held in memory, and the disk and the network overlap.
    """
    handle = await asyncio.to_thread(path.open, "ab")
    written = 0
    block: list[bytes] = []
    block_size = 0
    writing: asyncio.Future[None] | None = None
    try:
        async for chunk in chunks:
            if written + block_size + len(chunk) > room:
                raise TooLarge(
                    "The body runs past the upload's declared length.", code="upload_too_large"
                )
            block.append(chunk)
            block_size += len(chunk)
            if block_size >= WRITE_CHUNK:
                if writing is not None:
                    await writing
                writing = asyncio.ensure_future(asyncio.to_thread(_write, handle, block, digest))
                written += block_size
                block, block_size = [], 0
    finally:
        # What arrived before a dropped connection is kept: the client resumes after it.
        if writing is not None:
            await writing
        if block:
            await asyncio.to_thread(_write, handle, block, digest)
            written += block_size
        await asyncio.to_thread(handle.close)
    return written


def _write(handle: BinaryIO, block: list[bytes], digest: hashlib._Hash | None) -> None:
    for chunk in block:
        handle.write(chunk)
        if digest is not None:
            digest.update(chunk)


def _check_deadline(statement: Statement, principal: Principal, now: datetime) -> None:
    event_deadline = statement.country_session.event.statement_deadline
    check_statement_open(statement.deadline, event_deadline, now, organiser=principal.is_organiser)


def _status(upload: Upload, offset: int, *, complete: bool | None = None) -> UploadStatus:
    done = upload.completed_at is not None if complete is None else complete
    return UploadStatus(upload.id, offset, upload.length, upload.expires_at, done)


def _size_of(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError as error:
        raise Gone("This upload's bytes are gone; please start it again.") from error


async def _lock_file(path: Path, give_up_at: float) -> int | bool | None:
    """An open descriptor holding the upload file's exclusive lock (another server process
    may be appending to it); False when that did not come before `give_up_at`; None when the
    file is gone (the append then says why: unknown, cancelled or expired)."""
    while True:
        try:
            held = await asyncio.to_thread(_try_lock, path)
        except FileNotFoundError:
            return None
        if held is not None:
            return held
        if time.monotonic() >= give_up_at:
            return False
        await asyncio.sleep(LOCK_POLL_S)


def _try_lock(path: Path) -> int | None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        return None
    return descriptor


def remove_file(path: Path) -> None:
    """Delete a file that may be gone already (blocking: run it off the loop)."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def _size(length: int) -> str:
    """1.5 GB, 300.0 MB, 12 bytes: for messages."""
    if length < 1024:
        return f"{length} bytes"
    units = ("KB", "MB", "GB", "TB")
    value = float(length)
    for unit in units:
        value /= 1024
        if value < 1024 or unit == units[-1]:
            break
    return f"{value:.1f} {unit}"
