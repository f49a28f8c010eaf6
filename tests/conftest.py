from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from server.app import create_app
from server.keys import DATABASE, IDENTITY
from server.settings import Settings
from tests.clips import Clips
from tests.factories import Seed, seed

TEST_SECRET = "test-secret-" + "x" * 40

ClientFactory = Callable[..., Awaitable[TestClient]]  # type: ignore[type-arg]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # ultrafast: the ladder's tests check shapes and levels, not compression.
    return Settings(data_dir=tmp_path / "data", secret=TEST_SECRET, transcode_preset="ultrafast")


@pytest.fixture
async def client(aiohttp_client: ClientFactory, settings: Settings) -> TestClient:  # type: ignore[type-arg]
    return await aiohttp_client(create_app(settings))


@pytest.fixture
async def seeded(client: TestClient) -> Seed:  # type: ignore[type-arg]
    app = client.server.app
    return await seed(app[DATABASE], app[IDENTITY])


@pytest.fixture
async def bearer(
    client: TestClient,  # type: ignore[type-arg]
    seeded: Seed,
) -> Callable[[str], Awaitable[dict[str, str]]]:
    """Sign a seeded person in; returns their Authorization header."""

    async def sign_in(label: str) -> dict[str, str]:
        response = await client.post("/api/login", json={"invitation": seeded.tokens[label]})
        assert response.status == 200, await response.text()
        client.session.cookie_jar.clear()  # the caller is known by the bearer token alone
        return {"Authorization": f"Bearer {(await response.json())['token']}"}

    return sign_in


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Clips:
    """Synthesised recordings (ffmpeg lavfi), made on first use, shared by the whole run."""
    return Clips(tmp_path_factory.mktemp("clips"))
