"""The overflow's passes and files against a real Janus, on a stage that takes no WebRTC
viewers: a delegate without the floor gets the HLS playlists, with the floor a WebRTC pass;
the files go only to people who may watch that stage. (Media: tests/browser.)"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable

import pytest
from aiohttp.test_utils import TestClient

from server.keys import STAGE
from server.settings import Settings
from tests.factories import Seed
from tests.live_client import LiveClient

Connect = Callable[[str], Awaitable[LiveClient]]
Client = TestClient  # type: ignore[type-arg]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, stage_webrtc_viewers=0)


async def _joined(live: Connect, who: str, session_id: int) -> LiveClient:
    connection = await live(who)
    await connection.ok("join", {"session": session_id})
    return connection


async def test_beyond_the_webrtc_viewers_a_delegate_gets_the_overflow(
    client: Client, seeded: Seed, live: Connect, login: Callable[[str], Awaitable[str]]
) -> None:
    session_id = seeded.session_id
    moderator = await _joined(live, "moderator", session_id)
    await moderator.ok("phase", {"session": session_id, "phase": "screening"})
    await moderator.ok("stage", {"session": session_id, "action": "open"})
    await moderator.ok("phase", {"session": session_id, "phase": "qa"})
    delegate = await _joined(live, "delegate", session_id)
    speaker = await _joined(live, "speaker", session_id)

    watching = (await delegate.ok("stage_pass", {"session": session_id}))["pass"]
    base = f"/media/stage/{session_id}"
    assert watching["overflow"] == {
        "hls": f"{base}/av/index.m3u8",
        "audio": f"{base}/audio/index.m3u8",
    }
    assert "token" not in watching
    assert "participants" not in watching
    assert watching["may_publish"] is False
    assert "overflow" not in (await speaker.ok("stage_pass", {"session": session_id}))["pass"]

    # Given the floor, the delegation speaks by WebRTC.
    await moderator.ok("stage", {"session": session_id, "action": "give_floor", "mission": 1})
    speaking = (await delegate.ok("stage_pass", {"session": session_id}))["pass"]
    assert "overflow" not in speaking
    assert speaking["may_publish"] is True
    await moderator.ok("stage", {"session": session_id, "action": "take_floor"})

    # The files: to people who may watch this stage only; nothing there before a publisher.
    own = {"Authorization": f"Bearer {await login(seeded.tokens['delegate'])}"}
    other = {"Authorization": f"Bearer {await login(seeded.tokens['other_delegate'])}"}
    playlist = f"{base}/av/index.m3u8"
    assert (await client.get(playlist, headers=own)).status == 404  # nobody on stage yet
    assert (await client.get(playlist, headers=other)).status == 403
    assert (await client.get(playlist)).status == 401
    for path in (
        f"{base}/av/../../{session_id}/stage.sdp",
        f"{base}/stage.sdp",
        f"{base}/video/index.m3u8",
        f"{base}/av/seg_1.ts",
        "/media/stage/x1/av/index.m3u8",
        f"/media/stage/{2**31}/av/index.m3u8",
        "/media/stage/-1/av/index.m3u8",
    ):
        response = await client.get(path, headers=own)
        assert response.status in (403, 404), path
        assert "error" in await response.json()

    # A file there is served, privately; once the stage ends, it is not.
    folder = client.server.app[STAGE].overflow.folder_of(session_id) / "av"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "index.m3u8").write_text("#EXTM3U\n", encoding="ascii")
    served = await client.get(playlist, headers=own)
    assert served.status == 200
    assert served.headers["Cache-Control"] == "private, no-cache"
    assert served.headers["Content-Type"] == "application/vnd.apple.mpegurl"
    await moderator.ok("stage", {"session": session_id, "action": "close"})
    client.server.app[STAGE].wake()
    for _ in range(50):
        if (await client.get(playlist, headers=own)).status == 404:
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError("the overflow's files outlived the stage")
