"""From upload to screen through the real app: processing, refusals, review, restarts."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select, update

from server.app import create_app
from server.keys import DATABASE, IDENTITY, NOTIFIER
from server.models import Event, Job, JobState
from server.settings import Settings
from tests.clips import Clips, clip
from tests.conftest import ClientFactory
from tests.factories import Seed, seed
from tests.uploading import RecordingNotifier, tus_upload, wait_for

Client = TestClient  # type: ignore[type-arg]
Bearer = Callable[[str], Awaitable[dict[str, str]]]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, statement_grace_seconds=0)


async def started(
    aiohttp_client: ClientFactory, settings: Settings
) -> tuple[Client, RecordingNotifier, Seed, dict[str, str]]:
    """An app whose progress announcements are recorded; the seeded speaker signed in."""
    app = create_app(settings)
    notifier = RecordingNotifier()
    app[NOTIFIER] = notifier
    client = await aiohttp_client(app)
    seeded = await seed(app[DATABASE], app[IDENTITY])
    login = await client.post("/api/login", json={"invitation": seeded.tokens["speaker"]})
    client.session.cookie_jar.clear()
    return client, notifier, seeded, {"Authorization": f"Bearer {(await login.json())['token']}"}


async def upload_and_wait(
    client: Client, headers: dict[str, str], statement_id: int, path: Path
) -> dict[str, object]:
    await tus_upload(client, headers, statement_id, path)
    return await wait_for(client, headers, statement_id, "ready", "failed")


async def test_an_upload_becomes_a_ready_statement(
    aiohttp_client: ClientFactory, settings: Settings, clips: Clips
) -> None:
    client, notifier, seeded, speaker = await started(aiohttp_client, settings)
    url = await tus_upload(client, speaker, seeded.statement_id, clips.landscape)
    statement = await wait_for(client, speaker, seeded.statement_id, "ready", "failed")
    assert statement["state"] == "ready", statement
    assert statement["progress"] == 1.0
    assert statement["error"] is None
    assert statement["review"] == "pending"
    media = statement["media"]
    assert isinstance(media, dict)
    assert media["hls"] == f"/media/statements/{seeded.statement_id}/v1/master.m3u8"
    assert abs(media["duration_s"] - 3.0) < 0.1
    assert (media["width"], media["height"]) == (320, 180)
    assert statement["on_screen"] is None  # not approved yet
    states = [event.state for event in notifier.events]
    assert states[0] == "uploading"
    assert "processing" in states
    assert states[-1] == "ready"
    assert all(event.speaker is not None for event in notifier.events)
    # The processed upload still answers a client that asks how far it got.
    path = "/api/uploads/" + url.rsplit("/", 1)[-1]
    head = await client.head(path, headers={**speaker, "Tus-Resumable": "1.0.0"})
    assert head.status == 200
    assert head.headers["Upload-Offset"] == head.headers["Upload-Length"]
    assert list(settings.uploads_dir.iterdir()) == []  # the source is gone once processed


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "truncated",
            "The recording is damaged (it may have been cut short); please export it again.",
        ),
        ("text", "This file is not a video we can read."),
        ("empty", "The file is empty."),
        ("playlist", "This is a playlist, not a recording; please upload the video file itself."),
    ],
)
async def test_a_bad_file_is_refused_with_its_message(
    client: Client, seeded: Seed, bearer: Bearer, clips: Clips, name: str, message: str
) -> None:
    speaker = await bearer("speaker")
    statement = await upload_and_wait(client, speaker, seeded.statement_id, getattr(clips, name))
    assert statement["state"] == "failed"
    assert statement["error"] == {"code": statement["error"]["code"], "message": message}  # type: ignore[index]
    assert statement["media"] is None


async def test_an_over_long_recording_is_refused(
    client: Client, seeded: Seed, bearer: Bearer, clips: Clips, settings: Settings
) -> None:
    async with client.server.app[DATABASE].write() as session:
        await session.execute(update(Event).values(max_statement_seconds=2))
    speaker = await bearer("speaker")
    statement = await upload_and_wait(client, speaker, seeded.statement_id, clips.landscape)
    assert statement["error"] == {
        "code": "too_long",
        "message": "The recording is 0:03 long; the limit is 0:02.",
    }
    assert list(settings.uploads_dir.iterdir()) == []  # the refused bytes are gone


async def test_a_refused_replacement_keeps_the_approved_recording_on_screen(
    client: Client, seeded: Seed, bearer: Bearer, clips: Clips
) -> None:
    speaker, moderator = await bearer("speaker"), await bearer("moderator")
    await upload_and_wait(client, speaker, seeded.statement_id, clips.landscape)
    approved = await client.post(
        f"/api/statements/{seeded.statement_id}/review",
        json={"action": "approve"},
        headers=moderator,
    )
    assert approved.status == 200
    statement = await upload_and_wait(client, speaker, seeded.statement_id, clips.text)
    assert statement["state"] == "failed"
    assert statement["on_screen"]["version"] == 1  # type: ignore[index]
    playlist = await (
        await client.get(f"/api/sessions/{seeded.session_id}/playlist", headers=speaker)
    ).json()
    assert [item["statement"] for item in playlist["items"]] == [seeded.statement_id]


async def test_a_job_killed_mid_transcode_completes_after_restart(
    aiohttp_client: ClientFactory, settings: Settings, tmp_path: Path
) -> None:
    # Slow enough to be caught in the act: a longer clip at x264's slowest preset.
    slow = dataclasses.replace(settings, transcode_preset="veryslow")
    client, notifier, seeded, speaker = await started(aiohttp_client, slow)
    recording = clip(tmp_path / "long.mp4", size="640x360", seconds=8)
    await tus_upload(client, speaker, seeded.statement_id, recording)
    await notifier.transcoding.wait()
    await client.close()  # the server stops mid-transcode; ffmpeg is killed with it

    statement_dir = settings.media_dir / "statements" / str(seeded.statement_id)
    assert not (statement_dir / "v1").exists()
    restarted = await aiohttp_client(create_app(settings))
    statement = await wait_for(restarted, speaker, seeded.statement_id, "ready", "failed")
    assert statement["state"] == "ready"
    assert abs(statement["media"]["duration_s"] - 8.0) < 0.1
    async with restarted.server.app[DATABASE].read() as session:
        job = await session.scalar(select(Job))
    assert job is not None
    assert job.state is JobState.DONE
    assert job.attempts == 2
    assert not list(statement_dir.glob("v1.partial*"))  # the interrupted attempt's folder


async def test_a_ready_replacement_waits_for_approval_while_the_old_one_screens(
    client: Client, seeded: Seed, bearer: Bearer, clips: Clips
) -> None:
    speaker, moderator = await bearer("speaker"), await bearer("moderator")
    playlist_url = f"/api/sessions/{seeded.session_id}/playlist"

    async def on_screen() -> list[str]:
        items = (await (await client.get(playlist_url, headers=speaker)).json())["items"]
        return [item["hls"] for item in items]

    await upload_and_wait(client, speaker, seeded.statement_id, clips.landscape)
    review = f"/api/statements/{seeded.statement_id}/review"
    await client.post(review, json={"action": "approve"}, headers=moderator)
    replaced = await upload_and_wait(client, speaker, seeded.statement_id, clips.portrait)
    assert (replaced["state"], replaced["review"]) == ("ready", "pending")
    assert [url.split("/")[-2] for url in await on_screen()] == ["v1"]
    await client.post(review, json={"action": "approve"}, headers=moderator)
    assert [url.split("/")[-2] for url in await on_screen()] == ["v2"]
    await client.post(
        review, json={"action": "reject", "reason": "Names a victim"}, headers=moderator
    )
    assert await on_screen() == []
