"""Signing in with invitations: login, join links, me, sign-out, bad and stale tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aiohttp.test_utils import TestClient

from server.identity.tokens import SESSION_COOKIE, InvitationSigner
from server.keys import DATABASE
from tests.conftest import TEST_SECRET
from tests.factories import Seed, expire_invitations

Client = TestClient  # type: ignore[type-arg]


async def test_login_returns_bearer_and_sets_a_safe_cookie(client: Client, seeded: Seed) -> None:
    response = await client.post("/api/login", json={"invitation": seeded.tokens["delegate"]})
    assert response.status == 200
    body = await response.json()
    assert body["me"]["role"] == "delegate"
    assert body["me"]["mission"]["country"] == "FR"
    assert body["landing"] == f"/sessions/{seeded.session_id}"
    cookie = response.headers["Set-Cookie"]
    assert f"{SESSION_COOKIE}={body['token']}" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    me = await client.get("/api/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status == 200
    assert (await me.json())["sessions"] == [seeded.session_id]


async def test_me_through_the_cookie_and_sign_out(client: Client, seeded: Seed) -> None:
    await client.post("/api/login", json={"invitation": seeded.tokens["speaker"]})
    me = await client.get("/api/me")
    assert me.status == 200
    speaker = await me.json()
    assert speaker["organisation"]["name"] == "Ligue des droits humains"
    origin = {"Origin": "http://localhost:8080"}
    assert (await client.post("/api/logout", headers=origin)).status == 200
    assert (await client.get("/api/me")).status == 401


async def test_sign_out_ends_the_bearer_token(client: Client, seeded: Seed) -> None:
    login = await client.post("/api/login", json={"invitation": seeded.tokens["moderator"]})
    headers = {"Authorization": f"Bearer {(await login.json())['token']}"}
    assert (await client.post("/api/logout", headers=headers)).status == 200
    response = await client.get("/api/me", headers=headers)
    assert response.status == 401
    assert (await response.json())["error"]["code"] == "unauthenticated"


async def test_organisers_see_every_session_of_their_event(client: Client, seeded: Seed) -> None:
    login = await client.post("/api/login", json={"invitation": seeded.tokens["moderator"]})
    body = await login.json()
    assert body["landing"] == "/moderator"
    me = await client.get("/api/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert (await me.json())["sessions"] == [seeded.session_id, seeded.other_session_id]


async def test_join_link_signs_in_and_redirects_by_role(client: Client, seeded: Seed) -> None:
    expected = {
        "moderator": "/moderator",
        "speaker": "/speaker",
        "delegate": f"/sessions/{seeded.session_id}",
    }
    for label, landing in expected.items():
        client.session.cookie_jar.clear()
        response = await client.get(f"/join/{seeded.tokens[label]}", allow_redirects=False)
        assert response.status == 303
        assert response.headers["Location"] == landing
        assert (await client.get("/api/me")).status == 200


async def test_tampered_token_is_refused(client: Client, seeded: Seed) -> None:
    token = seeded.tokens["delegate"]
    payload, _, signature = token.rpartition(".")
    forged_payload = InvitationSigner("another-secret-" + "y" * 40).sign(
        1, datetime(2099, 1, 1, tzinfo=UTC)
    )
    for forged in (
        f"{payload}.{signature[:-2]}AA",
        forged_payload,
        token[:-1],
        "not-a-token",
    ):
        response = await client.post("/api/login", json={"invitation": forged})
        assert response.status == 401, forged
        assert (await response.json())["error"]["code"] == "invitation_invalid"
    assert (await client.get("/api/me")).status == 401


async def test_expired_signed_token_is_refused(client: Client, seeded: Seed) -> None:
    signer = InvitationSigner(TEST_SECRET)
    expired = signer.sign(1, datetime.now(UTC) - timedelta(seconds=1))
    response = await client.post("/api/login", json={"invitation": expired})
    assert response.status == 401
    assert (await response.json())["error"]["code"] == "invitation_expired"


async def test_expired_stored_invitation_is_refused(client: Client, seeded: Seed) -> None:
    await expire_invitations(client.server.app[DATABASE])
    response = await client.post("/api/login", json={"invitation": seeded.tokens["speaker"]})
    assert response.status == 401
    assert (await response.json())["error"]["code"] == "invitation_expired"


async def test_unknown_invitation_id_is_refused(client: Client, seeded: Seed) -> None:
    token = InvitationSigner(TEST_SECRET).sign(9999, datetime(2099, 1, 1, tzinfo=UTC))
    response = await client.post("/api/login", json={"invitation": token})
    assert response.status == 401
    assert (await response.json())["error"]["code"] == "invitation_revoked"


async def test_bad_join_link_shows_a_page_not_a_traceback(client: Client, seeded: Seed) -> None:
    response = await client.get("/join/garbage<script>", allow_redirects=False)
    assert response.status == 401
    text = await response.text()
    assert "We could not sign you in" in text
    assert "<script>" not in text
    assert "Set-Cookie" not in response.headers


async def test_login_body_errors(client: Client, seeded: Seed) -> None:
    cases = [
        (b"{not json", 400, "bad_json"),
        (b"[1, 2]", 400, "bad_json"),
        (b"{}", 422, "invalid"),
        (b'{"invitation": 42}', 422, "invalid"),
        (b'{"invitation": "   "}', 422, "invalid"),
    ]
    for body, status, code in cases:
        response = await client.post(
            "/api/login", data=body, headers={"Content-Type": "application/json"}
        )
        assert response.status == status, body
        assert (await response.json())["error"]["code"] == code


async def test_cross_site_requests_with_the_cookie_are_refused(
    client: Client, seeded: Seed
) -> None:
    await client.post("/api/login", json={"invitation": seeded.tokens["moderator"]})
    invitation = {"role": "delegate", "mission": "DE"}
    url = f"/api/sessions/{seeded.session_id}/invitations"
    hostile = await client.post(url, json=invitation, headers={"Origin": "https://evil.example"})
    assert hostile.status == 403
    assert (await hostile.json())["error"]["code"] == "bad_origin"
    missing = await client.post(url, json=invitation)
    assert missing.status == 403
    assert (await missing.json())["error"]["code"] == "bad_origin"
    same_site = await client.post(url, json=invitation, headers={"Origin": "http://localhost:8080"})
    assert same_site.status == 201


async def test_login_from_a_foreign_origin_is_refused(client: Client, seeded: Seed) -> None:
    response = await client.post(
        "/api/login",
        json={"invitation": seeded.tokens["delegate"]},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status == 403
    assert "Set-Cookie" not in response.headers


async def test_malformed_authorization_header(client: Client, seeded: Seed) -> None:
    response = await client.get("/api/me", headers={"Authorization": "Basic abc"})
    assert response.status == 401
    unknown = await client.get("/api/me", headers={"Authorization": "Bearer nope"})
    assert unknown.status == 401
