"""Shared steps of the recommendations tests: lists, deadlines, an approved statement."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import update

from server.db import Database
from server.identity.service import Identity
from server.models import CountrySession, Event, Phase, Role
from tests.clips import Clips
from tests.factories import Seed, invited
from tests.uploading import tus_upload, wait_for

Client = TestClient  # type: ignore[type-arg]

LIST = [
    {"text": "Ratify the Optional Protocol to the Convention against Torture.", "theme": "torture"},
    {"text": "Repeal article 7 of the press law.", "theme": "freedom_of_expression",
     "previous": "115.23"},
]  # fmt: skip


async def put_list(
    client: Client, headers: dict[str, str], statement_id: int, items: object
) -> tuple[int, dict[str, Any]]:
    response = await client.put(
        f"/api/statements/{statement_id}/recommendations", json={"items": items}, headers=headers
    )
    return response.status, await response.json()


async def get_list(client: Client, headers: dict[str, str], statement_id: int) -> list[Any]:
    response = await client.get(f"/api/statements/{statement_id}/recommendations", headers=headers)
    assert response.status == 200, await response.text()
    items: list[Any] = (await response.json())["items"]
    return items


async def session_list(client: Client, headers: dict[str, str], session_id: int) -> Any:
    response = await client.get(f"/api/sessions/{session_id}/recommendations", headers=headers)
    assert response.status == 200, await response.text()
    return await response.json()


async def set_statement_deadline(database: Database, event_id: int, due: datetime) -> None:
    async with database.write() as session:
        await session.execute(
            update(Event).where(Event.id == event_id).values(statement_deadline=due)
        )


async def set_phase(database: Database, session_id: int, phase: Phase) -> None:
    async with database.write() as session:
        await session.execute(
            update(CountrySession).where(CountrySession.id == session_id).values(phase=phase)
        )


async def approved(
    client: Client, speaker: dict[str, str], moderator: dict[str, str], statement_id: int,
    clips: Clips,
) -> None:  # fmt: skip
    """The statement uploaded, ready and approved by a moderator, as in a real session."""
    await tus_upload(client, speaker, statement_id, clips.landscape)
    assert (await wait_for(client, speaker, statement_id, "ready", "failed"))["state"] == "ready"
    response = await client.post(
        f"/api/statements/{statement_id}/review", json={"action": "approve"}, headers=moderator
    )
    assert response.status == 200, await response.text()


async def another_delegate(database: Database, identity: Identity, seed: Seed, country: str) -> str:
    """One more delegate in the seed's Belgium session, of the mission of `country`."""
    async with database.write() as session:
        invitation = await invited(
            session,
            role=Role.DELEGATE,
            event_id=seed.event_id,
            country_session_id=seed.session_id,
            mission_country=country,
            name=f"Second delegate of {country}",  # a person of their own, not the seeded one
        )
        return identity.invitation_token(invitation.invitation)


async def sign_in(client: Client, token: str) -> dict[str, str]:
    response = await client.post("/api/login", json={"invitation": token})
    assert response.status == 200, await response.text()
    client.session.cookie_jar.clear()
    return {"Authorization": f"Bearer {(await response.json())['token']}"}
