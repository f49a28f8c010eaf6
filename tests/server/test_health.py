"""`GET /healthz` reports the database, Redis, the job queue and the ffmpeg tools; the
settings the scale-out adds."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from server.app import create_app
from server.settings import Settings, SettingsError
from tests.conftest import ClientFactory
from tests.test_serve import free_port

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


def test_worker_settings_come_from_the_environment(tmp_path: Path) -> None:
    env = {"PRESESSION_DATA_DIR": str(tmp_path), "PRESESSION_SECRET": "s" * 40}
    defaults = Settings.from_env(env)
    assert (defaults.worker_cpus, defaults.worker_nice, defaults.media_accel) == ((), 10, None)
    chosen = Settings.from_env(
        {
            **env,
            "PRESESSION_WORKER_CPUS": "0,2-3",
            "PRESESSION_JOB_HEARTBEAT_SECONDS": "2.5",
            "PRESESSION_MEDIA_ACCEL": "/_media/",
        }
    )
    assert chosen.worker_cpus == (0, 2, 3)
    assert chosen.job_heartbeat_seconds == 2.5
    assert chosen.media_accel == "/_media"
    for name, value in (
        ("PRESESSION_WORKER_CPUS", "one"),
        ("PRESESSION_MEDIA_ACCEL", "_media"),
        ("PRESESSION_JOB_HEARTBEAT_SECONDS", "0"),
    ):
        with pytest.raises(SettingsError, match=name):
            Settings.from_env({**env, name: value})
