"""The Q&A recording: the speaker's choice, the job that makes it from pieces Janus recorded
(real `.mjr` files written by Janus, real janus-pp-rec and ffmpeg), the round that queues it
once, the record that lists it, and who may watch it."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from server.errors import Conflict, NotFound
from server.keys import DATABASE, JOBS, SETTINGS, STAGE
from server.models import (
    CountrySession,
    Job,
    Person,
    Phase,
    QaRecording,
    QaRecordingState,
    Role,
)
from server.stage.recording import QA_RECORDING, retry
from tests.factories import Seed

Client = TestClient  # type: ignore[type-arg]
Bearer = Callable[[str], Awaitable[dict[str, str]]]
PIECES = Path(__file__).resolve().parent.parent / "fixtures" / "stage"
needs_pp_rec = pytest.mark.skipif(
    shutil.which("janus-pp-rec") is None,
    reason="janus-pp-rec is not installed (Debian's janus-tools): the Q&A recording is not tested",
)


async def test_the_speaker_chooses_whether_their_live_answers_are_recorded(
    client: Client, seeded: Seed, bearer: Bearer
) -> None:
    speaker = await bearer("speaker")
    url = f"/api/statements/{seeded.statement_id}/consent"
    choices = {"publication": "none", "show_speaker_name": False}
    detail = f"/api/statements/{seeded.statement_id}"
    assert (await (await client.get(detail, headers=speaker)).json())["record_live"] is False
    answer = await client.put(url, json={**choices, "record_live": True}, headers=speaker)
    assert answer.status == 200
    assert (await answer.json())["record_live"] is True
    # Left as it is when not sent (older pages send only the other two).
    answer = await client.put(url, json=choices, headers=speaker)
    assert (await answer.json())["record_live"] is True
    for bad in ("yes", 1, "true", [True]):
        refused = await client.put(url, json={**choices, "record_live": bad}, headers=speaker)
        assert refused.status == 422
        assert "record_live" in (await refused.json())["error"]["message"]
    assert (await (await client.get(detail, headers=speaker)).json())["record_live"] is True
    other = await bearer("other_delegate")
    assert (
        await client.put(url, json={**choices, "record_live": False}, headers=other)
    ).status in (
        403,
        404,
    )


async def test_only_the_speaker_agrees_and_the_choice_is_fixed_at_the_close(
    client: Client, seeded: Seed, bearer: Bearer
) -> None:
    url = f"/api/statements/{seeded.statement_id}/consent"
    choices = {"publication": "participants", "show_speaker_name": True}
    speaker, moderator = await bearer("speaker"), await bearer("moderator")

    async def record_live() -> bool:
        detail = await client.get(f"/api/statements/{seeded.statement_id}", headers=speaker)
        return bool((await detail.json())["record_live"])

    # An organiser may not agree in the speaker's place, and nothing else changes with it.
    refused = await client.put(url, json={**choices, "record_live": True}, headers=moderator)
    assert refused.status == 403
    assert (await refused.json())["error"]["code"] == "speaker_only"
    detail = await (
        await client.get(f"/api/statements/{seeded.statement_id}", headers=speaker)
    ).json()
    assert (detail["record_live"], detail["publication"]) == (False, "none")
    # The speaker agrees; an organiser may withdraw it on their word.
    assert (
        await client.put(url, json={**choices, "record_live": True}, headers=speaker)
    ).status == 200
    assert await record_live()
    assert (
        await client.put(url, json={**choices, "record_live": False}, headers=moderator)
    ).status == 200
    assert not await record_live()

    async with client.server.app[DATABASE].write() as session:
        room = await session.get(CountrySession, seeded.session_id)
        assert room is not None
        room.phase = Phase.CLOSED
    # Closed: the recording is made from the choices at the close; the other choices still
    # change (they are about what is published afterwards).
    closed = await client.put(url, json={**choices, "record_live": True}, headers=speaker)
    assert closed.status == 409
    assert (await closed.json())["error"]["code"] == "session_closed"
    assert not await record_live()
    kept = await client.put(
        url, json={**choices, "publication": "public", "record_live": False}, headers=speaker
    )
    assert kept.status == 200
    assert (await kept.json())["publication"] == "public"


async def test_a_failed_recording_is_made_again_on_request(
    client: Client, seeded: Seed, bearer: Bearer
) -> None:
    app = client.server.app
    with pytest.raises(NotFound):
        await retry(app[DATABASE], seeded.session_id)
    async with app[DATABASE].write() as session:
        session.add(
            QaRecording(
                country_session_id=seeded.session_id,
                state=QaRecordingState.FAILED,
                error={"code": "processing_failed", "message": "The Q&A recording could not"},
            )
        )
    moderator = await bearer("moderator")
    page = await (
        await client.get(f"/sessions/{seeded.session_id}/record", headers=moderator)
    ).text()
    # The state is said, and so is who is not in it (the speaker did not agree).
    assert "could not be made; the files of the stage are kept for a second try" in page
    assert "Not in the recording (did not agree to be recorded)" in page

    await retry(app[DATABASE], seeded.session_id)
    async with app[DATABASE].read() as session:
        recording = await session.scalar(select(QaRecording))
        jobs = (await session.scalars(select(Job).where(Job.kind == QA_RECORDING))).all()
    assert recording is not None
    assert (recording.state, recording.error) == (QaRecordingState.PROCESSING, None)
    assert [job.payload for job in jobs] == [{"session": seeded.session_id}]
    with pytest.raises(Conflict, match="processing"):  # only a failed one, and only once
        await retry(app[DATABASE], seeded.session_id)


async def _closed_while_recorded(client: Client, seeded: Seed, *, pieces: list[Path]) -> Path:
    """The Belgium session closed after its stage was recorded with these pieces."""
    app = client.server.app
    async with app[DATABASE].write() as session:
        room = await session.get(CountrySession, seeded.session_id)
        assert room is not None
        room.phase = Phase.CLOSED
        session.add(QaRecording(country_session_id=seeded.session_id))
    folder = app[SETTINGS].recordings_dir / f"session-{seeded.session_id}"
    folder.mkdir(parents=True)
    long_ago = time.time() - 60
    for piece in pieces:
        shutil.copy(piece, folder / piece.name)
        os.utime(folder / piece.name, (long_ago, long_ago))
    return folder


@needs_pp_rec
@pytest.mark.timeout(120)
async def test_a_closed_sessions_pieces_become_its_q_and_a_recording(
    client: Client, seeded: Seed, bearer: Bearer, tmp_path: Path
) -> None:
    app = client.server.app
    async with app[DATABASE].read() as session:
        speaker = await session.scalar(select(Person.id).where(Person.role == Role.SPEAKER))
    # The seeded speaker spoke, recorded, then withdrew their agreement before the close.
    withdrawn = tmp_path / f"p{speaker}-1796237893000-0a0b0c-audio-0.mjr"
    shutil.copy(PIECES / "p7-1796237892520-d4e5f6-audio-0.mjr", withdrawn)
    folder = await _closed_while_recorded(
        client, seeded, pieces=[*sorted(PIECES.glob("*.mjr")), withdrawn]
    )
    # What an attempt killed halfway left behind is cleared.
    killed = app[SETTINGS].media_dir / "sessions" / str(seeded.session_id) / "qa.partial-1"
    killed.mkdir(parents=True)
    (killed / "composed.mp4").write_bytes(b"half")
    stage = app[STAGE]
    await stage._queue_recordings()
    await stage._queue_recordings()  # a second round (or another process) queues nothing more
    async with app[DATABASE].read() as session:
        queued = await session.scalar(select(func.count(Job.id)).where(Job.kind == QA_RECORDING))
    assert queued == 1
    await app[JOBS].idle()

    moderator = await bearer("moderator")
    record = await (
        await client.get(f"/api/sessions/{seeded.session_id}/record", headers=moderator)
    ).json()
    recording = record["stage"]["qa_recording"]
    assert recording["state"] == "ready", recording
    # Person 7 spoke first for 9 s; person 6 came on camera 13 s later for about 3 s.
    assert 15 < recording["duration_s"] < 18
    spans = {(entry["person"], entry["video"]) for entry in recording["in_it"]}
    assert spans == {(7, False), (6, True)}  # not the speaker who withdrew
    assert recording["left_out"] == ["Ligue des droits humains"]  # did not agree
    assert not folder.exists()  # Janus's raw pieces are not kept once in the recording
    assert not killed.exists()
    # The printable page says both what the recording is and who is not in it.
    page = await (
        await client.get(f"/sessions/{seeded.session_id}/record", headers=moderator)
    ).text()
    assert "Download the Q&amp;A recording" in page
    assert "Not in the recording (did not agree to be recorded): Ligue des droits humains" in page

    # Participants of the session watch it; another session's delegate may not.
    delegate = await bearer("delegate")
    master = await client.get(recording["master"], headers=delegate)
    assert master.status == 200
    assert "#EXTM3U" in await master.text()
    download = await client.get(recording["download"], headers=delegate)
    assert download.status == 200
    assert download.headers["Content-Type"] == "video/mp4"
    other = await bearer("other_delegate")
    assert (await client.get(recording["master"], headers=other)).status == 403
    assert (await client.get(recording["master"])).status == 401
    base = f"/media/sessions/{seeded.session_id}/qa"
    for bad in ("v1/../../../presession.db", "v1/nothing.m3u8", "captions/en.vtt", "v1/x.ts"):
        assert (await client.get(f"{base}/{bad}", headers=delegate)).status == 404, bad
    too_big = "/media/sessions/99999999999999999999/qa/v1/master.m3u8"
    assert (await client.get(too_big, headers=moderator)).status == 404


@needs_pp_rec
async def test_pieces_that_hold_nothing_make_an_empty_recording(
    client: Client, seeded: Seed, tmp_path: Path
) -> None:
    broken = tmp_path / "p7-1796237892520-d4e5f6-audio-0.mjr"
    broken.write_bytes(b"MJR00002" + b"\0" * 64)  # a header and no packets
    folder = await _closed_while_recorded(client, seeded, pieces=[broken])
    app = client.server.app
    await app[STAGE]._queue_recordings()
    await app[JOBS].idle()
    async with app[DATABASE].read() as session:
        recording = await session.scalar(select(QaRecording))
    assert recording is not None
    assert recording.state is QaRecordingState.EMPTY
    assert folder.exists()  # nothing was made of them: they stay for a look


async def test_a_session_still_in_q_and_a_is_not_queued(client: Client, seeded: Seed) -> None:
    app = client.server.app
    async with app[DATABASE].write() as session:
        room = await session.get(CountrySession, seeded.session_id)
        assert room is not None
        room.phase = Phase.QA
        session.add(QaRecording(country_session_id=seeded.session_id))
    await app[STAGE]._queue_recordings()
    async with app[DATABASE].read() as session:
        recording = await session.scalar(select(QaRecording))
        jobs = await session.scalar(select(func.count(Job.id)))
    assert recording is not None
    assert recording.state is QaRecordingState.RECORDING
    assert jobs == 0


async def test_the_record_says_when_the_stage_was_not_recorded(
    client: Client, seeded: Seed, bearer: Bearer
) -> None:
    moderator = await bearer("moderator")
    record = await (
        await client.get(f"/api/sessions/{seeded.session_id}/record", headers=moderator)
    ).json()
    assert record["stage"]["floor"] == []
    assert record["stage"]["qa_recording"]["state"] in ("off", "not_recorded")
    page = await (
        await client.get(f"/sessions/{seeded.session_id}/record", headers=moderator)
    ).text()
    assert "Q&amp;A recording" in page
    assert "The stage was not recorded on this server." in page
