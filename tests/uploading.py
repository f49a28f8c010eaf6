"""Uploading through tus with a real client (tuspy, off the loop) and waiting for processing."""

from __future__ import annotations

import asyncio
import base64
import hashlib
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient
from tusclient import client as tus

from server.statements.notify import StatementProgress

Client = TestClient  # type: ignore[type-arg]
TUS = {"Tus-Resumable": "1.0.0"}


def metadata(statement_id: int, filename: str = "statement.mp4") -> str:
    def encoded(value: str) -> str:
        return base64.b64encode(value.encode()).decode()

    return f"statement {encoded(str(statement_id))},filename {encoded(filename)}"


async def tus_upload(
    client: Client,
    headers: dict[str, str],
    statement_id: int,
    path: Path,
    *,
    chunk_size: int = 2 * 1024 * 1024,
    url: str | None = None,
    checksum: bool = False,
) -> str:
    """Upload (or resume, given `url`) a file with tuspy; returns the upload's URL."""
    endpoint = str(client.make_url("/api/uploads/"))

    def upload() -> str:
        # A stream we close ourselves: tuspy leaves the files it opens by path open.
        with path.open("rb") as stream:
            uploader = tus.TusClient(endpoint, headers=headers).uploader(
                file_stream=stream,
                url=url,
                chunk_size=chunk_size,
                metadata={"statement": str(statement_id), "filename": path.name},
                upload_checksum=checksum,
            )
            uploader.upload()
            return str(uploader.url)

    return await asyncio.to_thread(upload)


async def wait_for(
    client: Client, headers: dict[str, str], statement_id: int, *states: str, seconds: float = 40
) -> dict[str, Any]:
    """Poll the statement until it reaches one of `states`."""
    async with asyncio.timeout(seconds):
        while True:
            response = await client.get(f"/api/statements/{statement_id}", headers=headers)
            assert response.status == 200, await response.text()
            statement: dict[str, Any] = await response.json()
            if statement["state"] in states:
                return statement
            await asyncio.sleep(0.1)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class RecordingNotifier:
    """Keeps every progress announcement; can wake a test at the first real progress."""

    def __init__(self) -> None:
        self.events: list[StatementProgress] = []
        self.transcoding = asyncio.Event()

    async def statement_progress(self, progress: StatementProgress) -> None:
        self.events.append(progress)
        if progress.state == "processing" and 0 < progress.progress < 1:
            self.transcoding.set()
