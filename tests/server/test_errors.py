"""Bad requests get the documented JSON error, never a traceback page."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp.test_utils import TestClient

from tests.factories import Seed

Client = TestClient  # type: ignore[type-arg]


async def test_unknown_paths_and_methods(client: Client) -> None:
    missing = await client.get("/api/nothing-here")
    assert missing.status == 404
    assert (await missing.json())["error"]["code"] == "not_found"
    wrong_method = await client.delete("/api/sessions")
    assert wrong_method.status == 405
    assert (await wrong_method.json())["error"]["code"] == "method_not_allowed"
    assert "GET" in wrong_method.headers["Allow"]


async def test_oversized_bodies_are_refused_before_parsing(client: Client, seeded: Seed) -> None:
    big = b'{"invitation": "' + b"a" * (70 * 1024) + b'"}'
    response = await client.post(
        "/api/login", data=big, headers={"Content-Type": "application/json"}
    )
    assert response.status == 413
    assert (await response.json())["error"]["code"] == "too_large"


async def test_oversized_chunked_body_is_refused(client: Client, seeded: Seed) -> None:
    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(80):
            yield b"a" * 1024

    response = await client.post("/api/login", data=chunks())
    assert response.status == 413
    assert (await response.json())["error"]["code"] == "too_large"


async def test_security_headers(client: Client) -> None:
    response = await client.get("/")
    assert response.status == 200
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    api = await client.get("/api/sessions")
    assert api.headers["Cache-Control"] == "no-store"


async def test_static_files_do_not_escape_the_client_folder(client: Client) -> None:
    for path in ("/static/../pyproject.toml", "/static/%2e%2e/pyproject.toml"):
        response = await client.get(path)
        assert response.status in (403, 404), path


async def test_ids_too_large_for_the_database_are_not_found(
    client: Client, seeded: Seed, bearer: Callable[[str], Awaitable[dict[str, str]]]
) -> None:
    moderator = await bearer("moderator")
    huge = "9" * 25
    for path in (
        f"/api/sessions/{huge}/record",
        f"/api/sessions/{huge}/applications",
        f"/api/events/{huge}/figures",
        f"/api/statements/{huge}",
    ):
        response = await client.get(path, headers=moderator)
        assert response.status == 404, path
    patched = await client.patch(f"/api/events/{huge}", json={}, headers=moderator)
    assert patched.status == 404
