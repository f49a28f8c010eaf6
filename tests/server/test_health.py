"""`GET /healthz` reports the database and the ffmpeg tools."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

Client = TestClient  # type: ignore[type-arg]


async def test_healthy_with_versions(client: Client) -> None:
    response = await client.get("/healthz")
    assert response.status == 200
    health = await response.json()
    assert health["status"] == "ok"
    assert health["checks"]["database"] == {"ok": True, "dialect": "sqlite"}
    for tool in ("ffmpeg", "ffprobe"):
        assert health["checks"][tool]["ok"] is True
        assert (
            health["checks"][tool]["version"][0].isdigit()
            or "-" in health["checks"][tool]["version"]
        )


async def test_unhealthy_without_ffmpeg(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    response = await client.get("/healthz")
    assert response.status == 503
    health = await response.json()
    assert health["status"] == "unhealthy"
    assert health["checks"]["ffmpeg"] == {
        "ok": False,
        "version": None,
        "error": "ffmpeg is not installed",
    }
    assert health["checks"]["database"]["ok"] is True
