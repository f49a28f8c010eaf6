"""A statement's processing progress reaches its speaker and the organisers, live."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp.test_utils import TestClient

from tests.clips import Clips
from tests.factories import Seed
from tests.server.live.conftest import Connect
from tests.server.recommendations.helpers import LIST, approved, put_list
from tests.uploading import tus_upload, wait_for

Client = TestClient  # type: ignore[type-arg]
Bearer = Callable[[str], Awaitable[dict[str, str]]]


async def test_progress_goes_to_the_speaker_and_the_organisers(
    client: Client, seeded: Seed, live: Connect, bearer: Bearer, clips: Clips
) -> None:
    speaker, moderator, delegate = (
        await live("speaker"),
        await live("moderator"),
        await live("delegate"),
    )
    headers = await bearer("speaker")
    await tus_upload(client, headers, seeded.statement_id, clips.landscape)
    await wait_for(client, headers, seeded.statement_id, "ready", "failed")
    for watcher in (speaker, moderator):  # the announcement follows the commit the poll saw
        await watcher.wait_for_progress("ready")
    for watcher in (speaker, moderator):
        states = [event["state"] for event in watcher.progress]
        assert states[-1] == "ready", states
        assert "processing" in states
        assert all(event["statement"] == seeded.statement_id for event in watcher.progress)
        assert watcher.progress[-1]["progress"] == 1.0
    assert delegate.progress == []  # not theirs to follow


async def test_a_list_change_that_sends_the_statement_back_to_review_is_announced(
    client: Client, seeded: Seed, live: Connect, bearer: Bearer, clips: Clips
) -> None:
    moderator = await live("moderator")
    speaker, reviewer = await bearer("speaker"), await bearer("moderator")
    await put_list(client, speaker, seeded.statement_id, LIST)
    await approved(client, speaker, reviewer, seeded.statement_id, clips)
    await moderator.wait_for_progress("ready")
    moderator.progress.clear()

    # An organiser's change is approved as it is made: nothing to review, nothing announced.
    assert (await put_list(client, reviewer, seeded.statement_id, LIST[:1]))[0] == 200
    assert (await put_list(client, speaker, seeded.statement_id, LIST))[0] == 200
    await moderator.wait_for_progress("ready")
    [announced] = moderator.progress
    assert (announced["statement"], announced["state"]) == (seeded.statement_id, "ready")
    statement = await (
        await client.get(f"/api/statements/{seeded.statement_id}", headers=reviewer)
    ).json()
    assert statement["review"] == "pending"
