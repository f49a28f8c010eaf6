from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiohttp.test_utils import TestClient

from server.keys import DATABASE, IDENTITY
from server.models import Role
from server.settings import Settings
from tests.factories import Seed, invited
from tests.live_client import LiveClient

Connect = Callable[[str], Awaitable[LiveClient]]


@pytest.fixture
async def login(client: TestClient) -> Callable[[str], Awaitable[str]]:  # type: ignore[type-arg]
    async def bearer_for(invitation: str) -> str:
        response = await client.post("/api/login", json={"invitation": invitation})
        assert response.status == 200, await response.text()
        client.session.cookie_jar.clear()
        token: str = (await response.json())["token"]
        return token

    return bearer_for


@pytest.fixture
async def live(
    client: TestClient,  # type: ignore[type-arg]
    seeded: Seed,
    login: Callable[[str], Awaitable[str]],
) -> AsyncIterator[Connect]:
    """Connect a seeded person (by label) or an invitation token to `/live`."""
    clients: list[LiveClient] = []
    url = str(client.server.make_url("/"))

    async def connect(who: str) -> LiveClient:
        invitation = seeded.tokens.get(who, who)
        live_client = LiveClient(url, await login(invitation))
        clients.append(live_client)
        return await live_client.connect()

    yield connect
    for live_client in clients:
        if live_client.sio.connected:
            await live_client.close()


@pytest.fixture
async def delegates(client: TestClient, seeded: Seed) -> Callable[..., Awaitable[list[str]]]:  # type: ignore[type-arg]
    """Invite delegates of these missions to the Belgium session; their invitation tokens."""
    app = client.server.app

    async def invite_missions(*countries: str) -> list[str]:
        tokens = []
        async with app[DATABASE].write() as session:
            for country in countries:
                delegate = await invited(
                    session,
                    days=1,
                    role=Role.DELEGATE,
                    event_id=seeded.event_id,
                    country_session_id=seeded.session_id,
                    mission_country=country,
                )
                tokens.append(app[IDENTITY].invitation_token(delegate.invitation))
        return tokens

    return invite_missions


@pytest.fixture
def client_settings_sync() -> None:
    """Marker fixture: the `settings` override below gives a sync window of 3 versions."""


@pytest.fixture
def settings(request: pytest.FixtureRequest, settings: Settings) -> Settings:
    if "client_settings_sync" in request.fixturenames:
        return dataclasses.replace(settings, sync_max_updates=3)
    return settings
