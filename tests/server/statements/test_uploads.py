"""tus uploads against the real app with a real client: resume, limits, offsets, owners."""

from __future__ import annotations

import asyncio
import dataclasses
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp import ClientError
from aiohttp.test_utils import TestClient
from sqlalchemy import update

from server.errors import Conflict
from server.keys import DATABASE, IDENTITY, JOBS, NOTIFIER, UPLOADS
from server.models import Event, Upload, utcnow
from server.settings import Settings
from server.statements import uploads
from server.statements.uploads import Uploads
from tests.factories import Seed, add_speaker
from tests.uploading import TUS, metadata, sha256, tus_upload

Client = TestClient  # type: ignore[type-arg]
Bearer = Callable[[str], Awaitable[dict[str, str]]]
PATCH = {**TUS, "Content-Type": "application/offset+octet-stream"}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # No jobs in this process: the uploaded bytes stay where the tests can check them.
    return dataclasses.replace(settings, job_concurrency=0, max_upload_bytes=8 * 1024 * 1024)


@pytest.fixture
def recording(tmp_path: Path) -> Path:
    path = tmp_path / "recording.mov"
    path.write_bytes(os.urandom(3 * 1024 * 1024 + 12345))
    return path


async def create(client: Client, headers: dict[str, str], statement_id: int, length: int) -> str:
    response = await client.post(
        "/api/uploads/",
        headers={
            **headers,
            **TUS,
            "Upload-Length": str(length),
            "Upload-Metadata": metadata(statement_id),
        },
    )
    assert response.status == 201, await response.text()
    assert response.headers["Tus-Resumable"] == "1.0.0"
    assert response.headers["Upload-Expires"]
    return response.headers["Location"]


async def statement_state(client: Client, headers: dict[str, str], statement_id: int) -> str:
    response = await client.get(f"/api/statements/{statement_id}", headers=headers)
    return str((await response.json())["state"])


async def test_options_advertise_the_protocol(client: Client) -> None:
    response = await client.options("/api/uploads/")
    assert response.status == 204
    assert response.headers["Tus-Version"] == "1.0.0"
    assert set(response.headers["Tus-Extension"].split(",")) >= {
        "creation",
        "termination",
        "expiration",
        "checksum",
    }


async def test_a_dropped_upload_resumes_to_identical_bytes(
    client: Client, seeded: Seed, bearer: Bearer, settings: Settings, recording: Path
) -> None:
    speaker = await bearer("speaker")
    data = await asyncio.to_thread(recording.read_bytes)
    location = await create(client, speaker, seeded.statement_id, len(data))

    async def dropped_body() -> AsyncIterator[bytes]:
        yield data[: 1024 * 1024]
        yield data[1024 * 1024 : 1536 * 1024]
        await asyncio.sleep(0.3)  # let the server write what it has
        raise ConnectionResetError("the train went into a tunnel")

    with pytest.raises((ClientError, ConnectionResetError)):
        await client.patch(
            location, data=dropped_body(), headers={**speaker, **PATCH, "Upload-Offset": "0"}
        )
    head = await client.head(location, headers={**speaker, **TUS})
    kept = int(head.headers["Upload-Offset"])
    assert 0 < kept < len(data)
    assert await statement_state(client, speaker, seeded.statement_id) == "uploading"

    # tuspy asks where to resume (HEAD), then sends the rest in chunks larger than
    # aiohttp's default 1 MiB body limit, each with its SHA-1 checksum.
    url = str(client.make_url(location))
    await tus_upload(client, speaker, seeded.statement_id, recording, url=url, checksum=True)
    upload_id = location.rsplit("/", 1)[-1]
    assert sha256(settings.uploads_dir / upload_id) == sha256(recording)
    assert await statement_state(client, speaker, seeded.statement_id) == "processing"


async def test_the_size_limit_is_enforced_before_the_body(
    client: Client, seeded: Seed, bearer: Bearer, settings: Settings
) -> None:
    speaker = await bearer("speaker")
    response = await client.post(
        "/api/uploads/",
        headers={
            **speaker,
            **TUS,
            "Upload-Length": str(settings.max_upload_bytes + 1),
            "Upload-Metadata": metadata(seeded.statement_id),
        },
    )
    assert response.status == 413
    error = (await response.json())["error"]
    assert error["code"] == "upload_too_large"
    assert error["message"] == "The file is 8.0 MB; the largest upload is 8.0 MB."
    assert list(settings.uploads_dir.iterdir()) == []
    assert await statement_state(client, speaker, seeded.statement_id) == "awaiting_upload"


async def test_a_body_longer_than_declared_is_refused(
    client: Client, seeded: Seed, bearer: Bearer
) -> None:
    speaker = await bearer("speaker")
    location = await create(client, speaker, seeded.statement_id, 100)
    response = await client.patch(
        location, data=b"x" * 101, headers={**speaker, **PATCH, "Upload-Offset": "0"}
    )
    assert response.status == 413


async def test_a_patch_at_the_wrong_offset_is_a_conflict(
    client: Client, seeded: Seed, bearer: Bearer, settings: Settings
) -> None:
    speaker = await bearer("speaker")
    location = await create(client, speaker, seeded.statement_id, 100)
    first = await client.patch(
        location, data=b"a" * 40, headers={**speaker, **PATCH, "Upload-Offset": "0"}
    )
    assert first.status == 204
    assert first.headers["Upload-Offset"] == "40"
    for wrong in ("0", "39", "41"):
        response = await client.patch(
            location, data=b"b" * 10, headers={**speaker, **PATCH, "Upload-Offset": wrong}
        )
        assert response.status == 409
        assert (await response.json())["error"]["code"] == "offset_mismatch"
    upload_id = location.rsplit("/", 1)[-1]
    assert (settings.uploads_dir / upload_id).read_bytes() == b"a" * 40


async def test_two_patches_at_once_cannot_interleave(
    client: Client, seeded: Seed, bearer: Bearer, settings: Settings
) -> None:
    speaker = await bearer("speaker")
    location = await create(client, speaker, seeded.statement_id, 4 * 1024 * 1024)

    async def slow(byte: bytes) -> AsyncIterator[bytes]:
        for _ in range(4):
            yield byte * (256 * 1024)
            await asyncio.sleep(0.05)

    headers = {**speaker, **PATCH, "Upload-Offset": "0"}
    first = asyncio.create_task(client.patch(location, data=slow(b"a"), headers=headers))
    await asyncio.sleep(0.02)
    second = await client.patch(location, data=slow(b"b"), headers=headers)
    assert (await first).status == 204
    assert second.status == 409
    written = (settings.uploads_dir / location.rsplit("/", 1)[-1]).read_bytes()
    assert written == b"a" * (1024 * 1024)


async def test_two_server_processes_cannot_interleave_one_upload(
    client: Client,
    seeded: Seed,
    bearer: Bearer,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A second `Uploads` on the same data folder and database stands for another server
    process: it shares no asyncio lock with the first, only the upload's file."""
    monkeypatch.setattr(uploads, "LOCK_WAIT_S", 0.3)
    app = client.server.app
    other_process = Uploads(app[DATABASE], settings, app[JOBS], app[NOTIFIER])
    speaker = await bearer("speaker")
    location = await create(client, speaker, seeded.statement_id, 4 * 1024 * 1024)
    upload_id = location.rsplit("/", 1)[-1]
    writing = asyncio.Event()

    async def slow(byte: bytes) -> AsyncIterator[bytes]:
        for _ in range(8):
            yield byte * (128 * 1024)
            writing.set()
            await asyncio.sleep(0.1)

    headers = {**speaker, **PATCH, "Upload-Offset": "0"}
    first = asyncio.create_task(client.patch(location, data=slow(b"a"), headers=headers))
    await writing.wait()
    async with asyncio.timeout(5):  # the first request takes the file's lock
        while (probe := uploads._try_lock(settings.uploads_dir / upload_id)) is not None:
            os.close(probe)
            await asyncio.sleep(0.01)
    with pytest.raises(Conflict) as refused:
        await other_process.append(upload_id, 0, slow(b"b"))
    assert refused.value.code == "upload_busy"
    assert (await first).status == 204
    assert (settings.uploads_dir / upload_id).read_bytes() == b"a" * (1024 * 1024)
    # Once the first is done, the other process appends where the upload now stands.
    resumed = await other_process.append(upload_id, 1024 * 1024, slow(b"c"))
    assert resumed.offset == 2 * 1024 * 1024


async def test_a_bad_checksum_discards_the_chunk(
    client: Client, seeded: Seed, bearer: Bearer
) -> None:
    speaker = await bearer("speaker")
    location = await create(client, speaker, seeded.statement_id, 100)
    response = await client.patch(
        location,
        data=b"a" * 50,
        headers={
            **speaker,
            **PATCH,
            "Upload-Offset": "0",
            "Upload-Checksum": "sha1 AAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        },
    )
    assert response.status == 460
    head = await client.head(location, headers={**speaker, **TUS})
    assert head.headers["Upload-Offset"] == "0"


async def test_another_speakers_statement_is_refused(
    client: Client, seeded: Seed, bearer: Bearer, recording: Path
) -> None:
    app = client.server.app
    token, _ = await add_speaker(app[DATABASE], app[IDENTITY], seeded, "Another NHRI")
    login = await client.post("/api/login", json={"invitation": token})
    other = {"Authorization": f"Bearer {(await login.json())['token']}"}
    client.session.cookie_jar.clear()
    response = await client.post(
        "/api/uploads/",
        headers={
            **other,
            **TUS,
            "Upload-Length": "10",
            "Upload-Metadata": metadata(seeded.statement_id),
        },
    )
    assert response.status == 403
    assert (await response.json())["error"]["code"] == "not_your_statement"
    # Nor may they write to, look at or cancel an upload the owner started.
    location = await create(client, await bearer("speaker"), seeded.statement_id, 10)
    patch = await client.patch(
        location, data=b"x" * 10, headers={**other, **PATCH, "Upload-Offset": "0"}
    )
    assert patch.status == 403
    assert (await client.head(location, headers={**other, **TUS})).status == 403
    assert (await client.delete(location, headers={**other, **TUS})).status == 403
    # A moderator may upload on a speaker's behalf.
    assert await create(client, await bearer("moderator"), seeded.statement_id, 10)


async def test_termination_and_expiry_delete_the_bytes(
    client: Client, seeded: Seed, bearer: Bearer, settings: Settings
) -> None:
    speaker = await bearer("speaker")
    cancelled = await create(client, speaker, seeded.statement_id, 100)
    assert (await client.delete(cancelled, headers={**speaker, **TUS})).status == 204
    assert (await client.head(cancelled, headers={**speaker, **TUS})).status == 404
    abandoned = await create(client, speaker, seeded.statement_id, 100)
    await client.patch(
        abandoned, data=b"a" * 10, headers={**speaker, **PATCH, "Upload-Offset": "0"}
    )
    app = client.server.app
    async with app[DATABASE].write() as session:
        await session.execute(update(Upload).values(expires_at=utcnow() - timedelta(seconds=1)))
    expired = await client.head(abandoned, headers={**speaker, **TUS})
    assert expired.status == 410
    assert await app[UPLOADS].expire() == 1
    assert list(settings.uploads_dir.iterdir()) == []
    assert (await client.head(abandoned, headers={**speaker, **TUS})).status == 404
    assert await statement_state(client, speaker, seeded.statement_id) == "awaiting_upload"


async def test_protocol_errors(client: Client, seeded: Seed, bearer: Bearer) -> None:
    speaker = await bearer("speaker")
    no_version = await client.post(
        "/api/uploads/",
        headers={**speaker, "Upload-Length": "1", "Upload-Metadata": metadata(seeded.statement_id)},
    )
    assert no_version.status == 412
    location = await create(client, speaker, seeded.statement_id, 10)
    wrong_type = await client.patch(
        location,
        data=b"x",
        headers={**speaker, **TUS, "Upload-Offset": "0", "Content-Type": "text/plain"},
    )
    assert wrong_type.status == 415
    no_statement = await client.post(
        "/api/uploads/", headers={**speaker, **TUS, "Upload-Length": "1"}
    )
    assert no_statement.status == 400
    unknown = await client.head("/api/uploads/0123456789abcdef", headers={**speaker, **TUS})
    assert unknown.status == 404


async def test_after_the_deadline_only_organisers_may_upload(
    client: Client, seeded: Seed, bearer: Bearer
) -> None:
    async with client.server.app[DATABASE].write() as session:
        await session.execute(
            update(Event).values(statement_deadline=utcnow() - timedelta(hours=1))
        )
    refused = await client.post(
        "/api/uploads/",
        headers={
            **await bearer("speaker"),
            **TUS,
            "Upload-Length": "10",
            "Upload-Metadata": metadata(seeded.statement_id),
        },
    )
    assert refused.status == 403
    assert (await refused.json())["error"]["code"] == "deadline_passed"
    assert await create(client, await bearer("moderator"), seeded.statement_id, 10)


async def test_a_dropped_patch_with_a_checksum_keeps_nothing(
    client: Client, seeded: Seed, bearer: Bearer
) -> None:
    speaker = await bearer("speaker")
    location = await create(client, speaker, seeded.statement_id, 4 * 1024 * 1024)

    async def dropped_body() -> AsyncIterator[bytes]:
        yield b"a" * (1024 * 1024)
        await asyncio.sleep(0.2)
        raise ConnectionResetError("gone")

    headers = {**speaker, **PATCH, "Upload-Offset": "0", "Upload-Checksum": "sha1 " + "A" * 28}
    with pytest.raises((ClientError, ConnectionResetError)):
        await client.patch(location, data=dropped_body(), headers=headers)
    await asyncio.sleep(0.2)  # the server notices the dropped connection
    head = await client.head(location, headers={**speaker, **TUS})
    assert head.headers["Upload-Offset"] == "0"
