"""The production path: nginx in front of two server processes, a worker, PostgreSQL, Redis.

Through nginx: an upload becomes ready (transcoded by the worker), the playlist's media is sent
by nginx after our server checked the right to see it, and a delegate's question reaches a
moderator connected to the other server process.
"""

from __future__ import annotations

import asyncio
import base64
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from server.models import Attendance
from tests.clips import Clips
from tests.databases import postgres_database
from tests.live_client import NAMESPACE, LiveClient
from tests.processes import free_port, redis_or_skip
from tests.stack import REDIS_URL, TUS, Stack, sign_in, stack, upload, wait_until_ready

MIB = 1024 * 1024
pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(180)]


def nginx_or_skip() -> None:
    if not (shutil.which("nginx") or shutil.which("/usr/sbin/nginx")):
        pytest.skip(
            "nginx is not installed (`make test` installs it as root: apt-get install nginx)"
        )


@pytest.fixture
async def production() -> AsyncIterator[tuple[Stack, str, list[int]]]:
    """nginx → two `presession serve` (running no jobs) + one `presession worker`."""
    nginx_or_skip()
    redis_url = await redis_or_skip(REDIS_URL)
    async with postgres_database() as url, stack(url, redis_url) as running:
        web_ports = [free_port(), free_port()]
        nginx_port = free_port()
        running.public_url = f"http://127.0.0.1:{nginx_port}"
        running.extra_env = {"PRESESSION_JOB_CONCURRENCY": "0", "PRESESSION_MEDIA_ACCEL": "/_media"}
        await asyncio.gather(*(running.serve(port) for port in web_ports))
        await running.worker("one", PRESESSION_JOB_CONCURRENCY="1")
        assert await running.nginx(web_ports, port=nginx_port) == nginx_port
        yield running, running.public_url, web_ports


async def live(base: str, token: str) -> LiveClient:
    """A live-room connection through nginx; its cookie is what keeps it on one process."""
    client = LiveClient(base, token)
    await client.sio.connect(
        base,
        auth={"token": token},
        headers={"Cookie": f"presession_session={token}"},
        namespaces=[NAMESPACE],
        transports=["websocket"],
        wait_timeout=10,
    )
    return client


async def process_of(database_url: str, connection: LiveClient) -> str:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as db:
            process = await db.scalar(
                select(Attendance.process).where(
                    Attendance.connection == connection.sio.get_sid(NAMESPACE),
                    Attendance.left_at.is_(None),
                )
            )
    finally:
        await engine.dispose()
    assert process is not None
    return str(process)


async def test_the_whole_path_through_nginx(
    production: tuple[Stack, str, list[int]], clips: Clips
) -> None:
    running, base, web_ports = production
    demo = await running.presession("demo", "--json")
    session = demo["sessions"][0]["id"]
    speaker = next(s for s in demo["invitations"]["speakers"] if s["session"] == session)
    delegates = [d for d in demo["invitations"]["delegates"] if d["session"] == session]
    outsider = next(d for d in demo["invitations"]["delegates"] if d["session"] != session)
    async with aiohttp.ClientSession() as http:
        speaker_token = await sign_in(http, base, speaker["token"])
        moderator_token = await sign_in(http, base, demo["invitations"]["moderator"])
        moderator = {"Authorization": f"Bearer {moderator_token}"}
        delegate_token = await sign_in(http, base, delegates[0]["token"])
        outsider_token = await sign_in(http, base, outsider["token"])
        http.cookie_jar.clear()

        await upload_streams_through(running, http, base, speaker_token, speaker["statement"])
        # The speaker's page hears of the processing: the worker publishes through Redis,
        # the server process holding the speaker's connection passes it on.
        speaker_live = await live(base, speaker_token)
        try:
            await upload(
                http, base, speaker_token, speaker["statement"], clips.landscape, 64 * 1024
            )
            ready = await wait_until_ready(http, base, speaker_token, speaker["statement"])
            assert ready["state"] == "ready", ready
            heard = await speaker_live.wait_for_progress("ready", seconds=10)
            assert heard["statement"] == speaker["statement"]
        finally:
            await speaker_live.close()
        async with http.post(
            f"{base}/api/statements/{speaker['statement']}/review",
            json={"action": "approve"},
            headers=moderator,
        ) as approved:
            assert approved.status == 200, await approved.text()
        await media_is_sent_by_nginx_to_the_session_only(
            http, base, session, delegate_token, outsider_token
        )
        # Behind nginx, our server checks and delegates: an empty answer naming the file.
        path = f"/media/statements/{speaker['statement']}/v1/180p/seg_000.ts"
        async with http.get(
            f"http://127.0.0.1:{web_ports[0]}{path}",
            headers={"Authorization": f"Bearer {delegate_token}"},
        ) as checked:
            assert checked.headers["X-Accel-Redirect"] == f"/_media{path[len('/media') :]}"
            assert await checked.read() == b""
    await an_ask_crosses_processes(
        running, base, session, demo["invitations"]["moderator"], delegate_token
    )


async def upload_streams_through(
    running: Stack, http: aiohttp.ClientSession, base: str, token: str, statement: int
) -> None:
    """A 6 MiB PATCH (past nginx's 1 MiB default) reaches the server while it is still being
    sent: nginx neither refuses it nor spools it to its disk first."""
    headers = {**TUS, "Authorization": f"Bearer {token}"}
    encoded = base64.b64encode(str(statement).encode()).decode()
    async with http.post(
        f"{base}/api/uploads/",
        headers={
            **headers,
            "Upload-Length": str(8 * MIB),
            "Upload-Metadata": f"statement {encoded}",
        },
    ) as created:
        location = created.headers["Location"]
    on_disk = running.data_dir / "uploads" / location.rsplit("/", 1)[1]

    async def body() -> AsyncIterator[bytes]:
        yield b"\0" * (5 * MIB)
        async with asyncio.timeout(20):  # a buffering proxy would hold everything until the end
            await grown_to(on_disk, 4 * MIB)
        yield b"\0" * MIB

    async with http.patch(
        f"{base}{location}",
        data=body(),
        headers={
            **headers,
            "Upload-Offset": "0",
            "Content-Type": "application/offset+octet-stream",
            "Content-Length": str(6 * MIB),
        },
    ) as patched:
        assert patched.status == 204, await patched.text()
        assert patched.headers["Upload-Offset"] == str(6 * MIB)
    spooled = await asyncio.to_thread(
        lambda: list((running.data_dir.parent / "nginx" / "body").rglob("*"))
    )
    assert spooled == []
    async with http.delete(f"{base}{location}", headers=headers) as deleted:
        assert deleted.status == 204


async def grown_to(path: Path, size: int) -> None:
    while True:
        if await asyncio.to_thread(lambda: path.exists() and path.stat().st_size >= size):
            return
        await asyncio.sleep(0.05)


async def media_is_sent_by_nginx_to_the_session_only(
    http: aiohttp.ClientSession, base: str, session: int, delegate: str, outsider: str
) -> None:
    headers = {"Authorization": f"Bearer {delegate}"}
    async with http.get(f"{base}/api/sessions/{session}/playlist", headers=headers) as response:
        [item] = (await response.json())["items"]
    async with http.get(f"{base}{item['hls']}", headers=headers) as master:
        assert master.status == 200
        assert master.headers["Content-Type"] == "application/vnd.apple.mpegurl"
        assert master.headers["Cache-Control"] == "private, max-age=5"
        assert "X-Accel-Redirect" not in master.headers
        assert (await master.text()).startswith("#EXTM3U")
    folder = item["hls"].rsplit("/", 1)[0]
    segment_url = f"{base}{folder}/180p/seg_000.ts"
    async with http.get(segment_url, headers={**headers, "Range": "bytes=0-187"}) as segment:
        assert segment.status == 206  # Range, answered by nginx from the file
        assert segment.headers["Content-Type"] == "video/mp2t"
        assert segment.headers["Cache-Control"] == "private, max-age=31536000, immutable"
        assert len(await segment.read()) == 188
    async with http.get(f"{base}{item['mp4']}", headers=headers) as download:
        assert (download.status, download.headers["Content-Type"]) == (200, "video/mp4")
    # Without rights: refused by our server, before nginx would look for any file.
    async with http.get(segment_url) as anonymous:
        assert anonymous.status == 401
    async with http.get(segment_url, headers={"Authorization": f"Bearer {outsider}"}) as other:
        assert other.status == 403
    internal = segment_url.replace("/media/statements/", "/_media/statements/")
    async with http.get(internal, headers=headers) as direct:
        assert direct.status == 404  # nginx's internal location: never from outside


async def an_ask_crosses_processes(
    running: Stack, base: str, session: int, moderator_invitation: str, delegate_token: str
) -> None:
    delegate = await live(base, delegate_token)
    connections = [delegate]
    try:
        await delegate.ok("join", {"session": session})
        delegate_process = await process_of(running.database_url, delegate)
        moderator = await moderator_elsewhere(
            running, base, moderator_invitation, session, delegate_process, connections
        )
        await moderator.ok("phase", {"session": session, "phase": "screening"})
        asked = await delegate.ok(
            "ask", {"session": session, "client_id": "via-nginx", "text": "Through the proxy?"}
        )
        async with asyncio.timeout(10):
            await seen_by(moderator, asked["question"]["id"])
    finally:
        for connection in connections:
            await connection.close()


async def seen_by(client: LiveClient, question: int) -> None:
    while True:
        if any(q["id"] == question for u in client.updates for q in u.get("questions", [])):
            return
        await asyncio.sleep(0.05)


async def moderator_elsewhere(
    running: Stack,
    base: str,
    invitation: str,
    session: int,
    avoid: str,
    connections: list[LiveClient],
) -> LiveClient:
    """A moderator connection that nginx placed on the other server process.

    nginx keeps each sign-in on one process (a hash of its cookie); each new sign-in of the
    same moderator lands on either, so a few tries find the other one.
    """
    async with aiohttp.ClientSession() as http:
        for _ in range(16):
            token = await sign_in(http, base, invitation)
            http.cookie_jar.clear()
            moderator = await live(base, token)
            connections.append(moderator)
            await moderator.ok("join", {"session": session})
            if await process_of(running.database_url, moderator) != avoid:
                return moderator
    raise AssertionError("nginx sent every sign-in to one process")
