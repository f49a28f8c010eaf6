"""`GET /healthz` reports the database, Redis, the job queue and the ffmpeg tools."""

from __future__ import annotations

import dataclasses

import pytest
from aiohttp.test_utils import TestClient

from server.app import create_app
from server.settings import Settings
from tests.conftest import ClientFactory
from tests.processes import free_port

Client = TestClient  # type: ignore[type-arg]


async def test_healthy_with_versions(client: Client) -> None:
    response = await client.get("/healthz")
    assert response.status == 200
    health = await response.json()
    assert health["status"] == "ok"
    assert health["checks"]["database"] == {"ok": True, "dialect": "sqlite"}
    assert health["checks"]["jobs"] == {"ok": True, "queued": 0, "running": 0, "here": 1}
    assert "redis" not in health["checks"]  # not configured
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


async def test_unhealthy_when_redis_does_not_answer(
    aiohttp_client: ClientFactory, settings: Settings
) -> None:
    closed_port = free_port()  # nothing listens there
    app = create_app(dataclasses.replace(settings, redis_url=f"redis://127.0.0.1:{closed_port}/0"))
    client = await aiohttp_client(app)
    response = await client.get("/healthz")
    assert response.status == 503
    redis_check = (await response.json())["checks"]["redis"]
    assert redis_check["ok"] is False
    assert "Redis does not answer" in redis_check["error"]
