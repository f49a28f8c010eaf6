"""Review, screening order, the playlist (JSON and HLS), media files and captions."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable

from aiohttp.test_utils import TestClient

from server.app import create_app
from server.keys import DATABASE, IDENTITY
from server.settings import Settings
from tests.clips import Clips
from tests.conftest import ClientFactory
from tests.factories import Seed, add_speaker, seed
from tests.uploading import tus_upload, wait_for

Client = TestClient  # type: ignore[type-arg]
Bearer = Callable[[str], Awaitable[dict[str, str]]]


async def sign_in(client: Client, token: str) -> dict[str, str]:
    response = await client.post("/api/login", json={"invitation": token})
    client.session.cookie_jar.clear()
    return {"Authorization": f"Bearer {(await response.json())['token']}"}


async def three_ready_statements(
    client: Client, seeded: Seed, bearer: Bearer, clips: Clips
) -> list[int]:
    """The seeded speaker's statement and two more, all uploaded and ready."""
    app = client.server.app
    statements = [(await bearer("speaker"), seeded.statement_id)]
    for organisation in ("Second CSO", "Third NHRI"):
        token, statement_id = await add_speaker(app[DATABASE], app[IDENTITY], seeded, organisation)
        statements.append((await sign_in(client, token), statement_id))
    for headers, statement_id in statements:
        await tus_upload(client, headers, statement_id, clips.landscape)
    for headers, statement_id in statements:
        assert (await wait_for(client, headers, statement_id, "ready", "failed"))[
            "state"
        ] == "ready"
    return [statement_id for _, statement_id in statements]


async def review(client: Client, headers: dict[str, str], statement_id: int, **body: str) -> int:
    response = await client.post(
        f"/api/statements/{statement_id}/review", json=body, headers=headers
    )
    return response.status


async def test_playlist_holds_approved_statements_in_screening_order(
    client: Client, seeded: Seed, bearer: Bearer, clips: Clips
) -> None:
    first, second, third = await three_ready_statements(client, seeded, bearer, clips)
    moderator, delegate = await bearer("moderator"), await bearer("delegate")
    assert await review(client, moderator, first, action="approve") == 200
    assert await review(client, moderator, third, action="approve") == 200
    assert await review(client, moderator, second, action="reject") == 422  # a reason is due
    assert await review(client, moderator, second, action="reject", reason="Off topic") == 200
    speaker_view = await (await client.get(f"/api/statements/{second}", headers=moderator)).json()
    assert speaker_view["review"] == "rejected"
    assert speaker_view["review_reason"] == "Off topic"

    url = f"/api/sessions/{seeded.session_id}/playlist"
    items = (await (await client.get(url, headers=delegate)).json())["items"]
    assert [item["statement"] for item in items] == [first, third]
    assert items[0]["organisation"]["name"] == "Ligue des droits humains"
    assert items[0]["hls"].endswith("/master.m3u8")
    assert abs(items[0]["duration_s"] - 3.0) < 0.1

    reordered = await client.put(
        url, json={"statements": [third, second, first]}, headers=moderator
    )
    assert reordered.status == 200
    assert [item["statement"] for item in (await reordered.json())["items"]] == [third, first]
    incomplete = await client.put(url, json={"statements": [third, first]}, headers=moderator)
    assert incomplete.status == 422
    refused = await client.put(url, json={"statements": [first, second, third]}, headers=delegate)
    assert refused.status == 403

    master = await client.get(f"{url}.m3u8", headers=delegate)
    assert master.headers["Content-Type"].startswith("application/vnd.apple.mpegurl")
    assert master.headers["Cache-Control"] == "private, max-age=5"
    text = await master.text()
    assert f"/api/sessions/{seeded.session_id}/playlist/180p.m3u8" in text
    assert f"/api/sessions/{seeded.session_id}/playlist/audio.m3u8" in text
    assert "RESOLUTION=320x180" in text
    assert 'CODECS="avc1.4d401e,mp4a.40.2"' in text
    variant = await (await client.get(f"{url}/180p.m3u8", headers=delegate)).text()
    assert variant.count("#EXT-X-DISCONTINUITY") == 1
    assert variant.index(f"/media/statements/{third}/") < variant.index(
        f"/media/statements/{first}/"
    )
    assert f"/media/statements/{second}/" not in variant
    assert (await client.get(f"{url}/720p.m3u8", headers=delegate)).status == 404


async def test_media_files_are_served_to_the_session_only(
    client: Client, seeded: Seed, bearer: Bearer, clips: Clips
) -> None:
    speaker, delegate = await bearer("speaker"), await bearer("delegate")
    await tus_upload(client, speaker, seeded.statement_id, clips.landscape)
    await wait_for(client, speaker, seeded.statement_id, "ready")
    base = f"/media/statements/{seeded.statement_id}/v1"
    segment = await client.get(
        f"{base}/180p/seg_000.ts", headers={**delegate, "Range": "bytes=0-187"}
    )
    assert segment.status == 206
    assert segment.headers["Content-Type"] == "video/mp2t"
    assert segment.headers["Cache-Control"] == "private, max-age=31536000, immutable"
    assert len(await segment.read()) == 188
    assert (
        await segment_type(client, f"{base}/master.m3u8", delegate)
    ) == "application/vnd.apple.mpegurl"
    assert (await segment_type(client, f"{base}/poster.jpg", delegate)) == "image/jpeg"
    assert (await segment_type(client, f"{base}/statement.mp4", delegate)) == "video/mp4"
    assert (await client.get(f"{base}/master.m3u8")).status == 401
    assert (
        await client.get(f"{base}/master.m3u8", headers=await bearer("other_delegate"))
    ).status == 403
    for hostile in ("../../secret.key", "v1/..%2F..%2Fsecret.key", "v1/720p/index.m3u8x"):
        assert (
            await client.get(f"/media/statements/{seeded.statement_id}/{hostile}", headers=delegate)
        ).status == 404


async def segment_type(client: Client, url: str, headers: dict[str, str]) -> str:
    response = await client.get(url, headers=headers)
    assert response.status == 200, url
    return response.headers["Content-Type"]


async def test_captions_are_converted_and_served(
    client: Client, seeded: Seed, bearer: Bearer
) -> None:
    speaker, delegate = await bearer("speaker"), await bearer("delegate")
    srt = "1\n00:00:00,500 --> 00:00:02,000\nThank you, <i>chair</i>.\n"
    put = await client.put(
        f"/api/statements/{seeded.statement_id}/captions/fr", data=srt, headers=speaker
    )
    assert put.status == 200, await put.text()
    caption = await client.get((await put.json())["url"], headers=delegate)
    assert caption.headers["Content-Type"] == "text/vtt; charset=utf-8"
    assert await caption.text() == "WEBVTT\n\n00:00:00.500 --> 00:00:02.000\nThank you, chair.\n"
    statement = await (
        await client.get(f"/api/statements/{seeded.statement_id}", headers=delegate)
    ).json()
    assert statement["captions"] == [{"language": "fr", "url": (await put.json())["url"]}]
    bad = await client.put(
        f"/api/statements/{seeded.statement_id}/captions/fr", data="hello", headers=speaker
    )
    assert bad.status == 422
    assert (await bad.json())["error"]["code"] == "bad_captions"


async def test_only_a_ready_statement_can_be_approved(
    client: Client, seeded: Seed, bearer: Bearer
) -> None:
    moderator = await bearer("moderator")
    assert await review(client, moderator, seeded.statement_id, action="approve") == 409
    assert await review(client, moderator, seeded.statement_id, action="shrug") == 422


async def test_behind_nginx_media_is_checked_here_and_sent_by_nginx(
    aiohttp_client: ClientFactory, settings: Settings, clips: Clips
) -> None:
    client = await aiohttp_client(create_app(dataclasses.replace(settings, media_accel="/_media")))
    app = client.server.app
    seeded = await seed(app[DATABASE], app[IDENTITY])
    speaker = await sign_in(client, seeded.tokens["speaker"])
    delegate = await sign_in(client, seeded.tokens["delegate"])
    await tus_upload(client, speaker, seeded.statement_id, clips.landscape)
    await wait_for(client, speaker, seeded.statement_id, "ready")
    path = f"/statements/{seeded.statement_id}/v1/180p/seg_000.ts"
    sent = await client.get(f"/media{path}", headers=delegate)
    assert sent.status == 200
    assert sent.headers["X-Accel-Redirect"] == f"/_media{path}"
    assert sent.headers["Content-Type"] == "video/mp2t"
    assert sent.headers["Cache-Control"] == "private, max-age=31536000, immutable"
    assert await sent.read() == b""
    assert (await client.get(f"/media{path}")).status == 401  # checked here, as without nginx
    other = await sign_in(client, seeded.tokens["other_delegate"])
    refused = await client.get(f"/media{path}", headers=other)
    assert refused.status == 403
    assert "X-Accel-Redirect" not in refused.headers
