"""Ids from clients that no row can have are refused before any query, on HTTP and live alike."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from aiohttp.test_utils import TestClient

from server.ids import MAX_ID, is_id, parse_id
from tests.factories import Seed

Bearer = Callable[[str], Awaitable[dict[str, str]]]
NOT_IDS = [2**63, -(2**63) - 1, 10**30, MAX_ID + 1, 0, -1, True, False, 1.0, "1", None]


def test_ids_are_whole_numbers_the_database_holds() -> None:
    assert is_id(1)
    assert is_id(MAX_ID)
    assert not any(is_id(value) for value in NOT_IDS)
    assert parse_id("42") == 42
    for raw in ("0", "-1", "١٢", "9223372036854775808", str(MAX_ID + 1), "1e3", "", " 1"):
        assert parse_id(raw) is None, raw


@pytest.mark.parametrize(
    "path",
    [
        "/api/sessions/9223372036854775808",
        "/api/sessions/99999999999999999999999999999999/playlist",
        "/api/statements/9223372036854775808",
        f"/api/statements/{MAX_ID + 1}",
        "/api/sessions/18446744073709551616/record",
    ],
)
async def test_a_path_id_out_of_range_is_not_found(
    client: TestClient,  # type: ignore[type-arg]
    bearer: Bearer,
    path: str,
) -> None:
    response = await client.get(path, headers=await bearer("admin"))
    assert response.status == 404, await response.text()
    assert (await response.json())["error"]["code"] == "not_found"


async def test_body_ids_out_of_range_are_invalid(
    client: TestClient,  # type: ignore[type-arg]
    bearer: Bearer,
    seeded: Seed,
) -> None:
    admin = await bearer("admin")
    for value in (2**63, 10**30, True):
        response = await client.put(
            f"/api/sessions/{seeded.session_id}/playlist",
            json={"statements": [value]},
            headers={**admin, "Origin": "http://localhost:8080"},
        )
        assert response.status == 422, await response.text()
        response = await client.post(
            "/api/applications/1/review",
            json={"session": value, "decision": "accepted"},
            headers={**admin, "Origin": "http://localhost:8080"},
        )
        assert response.status == 422, await response.text()
