"""Event figures (`GET /api/events/{id}/figures`) of sessions run through the live-room API."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp.test_utils import TestClient

from server.keys import DATABASE, IDENTITY
from server.models import OrganisationKind, Scope
from tests.factories import Seed, add_organisation, other_event
from tests.server.live.conftest import Connect

Client = TestClient  # type: ignore[type-arg]
Bearer = Callable[[str], Awaitable[dict[str, str]]]
NO_QUESTIONS = {
    "asked": 0,
    "pending": 0,
    "approved": 0,
    "on_air": 0,
    "answered": 0,
    "rejected": 0,
    "withdrawn": 0,
}


async def speakers(client: Client, seeded: Seed) -> None:
    """Belgium: the seed's Ligue (CSO, no scope), plus a national NHRI and an international
    coalition; Denmark: a national CSO and the same coalition again."""
    database = client.server.app[DATABASE]
    event, belgium, denmark = seeded.event_id, seeded.session_id, seeded.other_session_id
    coalition = ("UPR Coalition Europe", OrganisationKind.COALITION, Scope.INTERNATIONAL)
    await add_organisation(
        database, event, belgium, "Institut fédéral", OrganisationKind.NHRI, Scope.NATIONAL
    )
    await add_organisation(database, event, belgium, *coalition)
    await add_organisation(
        database, event, denmark, "Dansk Forum", OrganisationKind.CSO, Scope.NATIONAL
    )
    await add_organisation(database, event, denmark, *coalition)


async def questions(live: Connect, seeded: Seed, germany: str) -> None:
    """Belgium: France asks four (answered, rejected, withdrawn, pending), Germany one
    (pending); Denmark: Japan asks one (pending)."""
    belgium, denmark = seeded.session_id, seeded.other_session_id
    moderator, france = await live("moderator"), await live("delegate")
    japan, german = await live("other_delegate"), await live(germany)
    await moderator.ok("join", {"session": belgium})
    await moderator.ok("phase", {"session": belgium, "phase": "screening"})
    await moderator.ok("phase", {"session": denmark, "phase": "screening"})

    async def ask(delegate: Any, session: int, client_id: str) -> int:
        text = f"Question {client_id} from the floor?"
        asked = await delegate.ok("ask", {"session": session, "client_id": client_id, "text": text})
        question: int = asked["question"]["id"]
        return question

    answered, rejected, withdrawn = [await ask(france, belgium, key) for key in ("1", "2", "3")]
    await moderator.ok("moderate", {"question": answered, "action": "approve"})
    await moderator.ok("moderate", {"question": rejected, "action": "reject", "reason": "Asked"})
    await france.ok("withdraw", {"question": withdrawn})
    await moderator.ok("phase", {"session": belgium, "phase": "qa"})
    await moderator.ok("moderate", {"question": answered, "action": "on_air"})
    await moderator.ok("moderate", {"question": answered, "action": "answered"})
    await ask(france, belgium, "4")
    await ask(german, belgium, "5")
    await ask(japan, denmark, "6")


async def figures_as(client: Client, headers: dict[str, str], event_id: int) -> Any:
    response = await client.get(f"/api/events/{event_id}/figures", headers=headers)
    assert response.status == 200, await response.text()
    return await response.json()


async def test_the_figures_of_an_event(
    client: Client,
    seeded: Seed,
    live: Connect,
    bearer: Bearer,
    delegates: Callable[..., Awaitable[list[str]]],
) -> None:
    [germany] = await delegates("DE")
    await speakers(client, seeded)
    await questions(live, seeded, germany)

    figures = await figures_as(client, await bearer("moderator"), seeded.event_id)

    assert figures["event"] == {"id": seeded.event_id, "name": "Test pre-sessions"}
    assert figures["speakers"] == {
        "total": 5,  # statement slots: the coalition speaks in both sessions
        "organisations": 4,
        "by_kind": {"cso": 2, "nhri": 1, "coalition": 2},
        "by_scope": {"national": 2, "international": 2, "unknown": 1},
    }
    belgium, denmark = figures["sessions"]
    assert (belgium["id"], belgium["country"], belgium["country_name"]) == (
        seeded.session_id,
        "BE",
        "Belgium",
    )
    assert belgium["phase"] == "qa"
    assert belgium["speakers"] == 3
    assert belgium["questions"] == NO_QUESTIONS | {
        "asked": 5,
        "pending": 2,
        "answered": 1,
        "rejected": 1,
        "withdrawn": 1,
    }
    assert (denmark["country"], denmark["speakers"]) == ("DK", 2)
    assert denmark["questions"] == NO_QUESTIONS | {"asked": 1, "pending": 1}
    assert figures["questions"] == NO_QUESTIONS | {
        "asked": 6,
        "pending": 3,
        "answered": 1,
        "rejected": 1,
        "withdrawn": 1,
    }
    assert figures["missions"] == [
        {"country": "FR", "name": "Permanent Mission of France", "questions": 4},
        {"country": "DE", "name": "Permanent Mission of Germany", "questions": 1},
        {"country": "JP", "name": "Permanent Mission of Japan", "questions": 1},
    ]
    # The admin sees the same figures as the moderator.
    assert await figures_as(client, await bearer("admin"), seeded.event_id) == figures


async def test_an_event_without_speakers_or_questions_has_zeros(
    client: Client, seeded: Seed, login: Callable[[str], Awaitable[str]]
) -> None:
    app = client.server.app
    other = await other_event(app[DATABASE], app[IDENTITY])
    headers = {"Authorization": f"Bearer {await login(other.admin_token)}"}

    figures = await figures_as(client, headers, other.event_id)

    assert figures["speakers"] == {
        "total": 0,
        "organisations": 0,
        "by_kind": {"cso": 0, "nhri": 0, "coalition": 0},
        "by_scope": {"national": 0, "international": 0, "unknown": 0},
    }
    assert figures["questions"] == NO_QUESTIONS
    assert figures["sessions"] == [
        {
            "id": other.session_id,
            "country": "NA",
            "country_name": "Namibia",
            "phase": "scheduled",
            "speakers": 0,
            "questions": NO_QUESTIONS,
            "recommendations": 0,
        }
    ]
    assert figures["missions"] == []
    assert figures["recommendations"]["total"] == 0
    assert set(figures["recommendations"]["by_theme"].values()) == {0}


async def test_only_the_events_organisers_see_its_figures(
    client: Client, seeded: Seed, bearer: Bearer, login: Callable[[str], Awaitable[str]]
) -> None:
    url = f"/api/events/{seeded.event_id}/figures"
    for label in ("speaker", "delegate"):
        response = await client.get(url, headers=await bearer(label))
        assert response.status == 403, label
        assert (await response.json())["error"]["code"] == "forbidden"
    anonymous = await client.get(url)
    assert anonymous.status == 401

    app = client.server.app
    other = await other_event(app[DATABASE], app[IDENTITY])
    other_admin = {"Authorization": f"Bearer {await login(other.admin_token)}"}
    refused = await client.get(url, headers=other_admin)
    assert refused.status == 403
    assert (await refused.json())["error"]["message"] == "You are not an organiser of this event."

    moderator = await bearer("moderator")
    unknown = await client.get(f"/api/events/{other.event_id + 100}/figures", headers=moderator)
    assert unknown.status == 404
    assert (await unknown.json())["error"]["code"] == "not_found"
    # The other event's figures are not this moderator's either.
    assert (
        await client.get(f"/api/events/{other.event_id}/figures", headers=moderator)
    ).status == 403
