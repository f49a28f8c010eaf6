"""The programme API and the invitations API."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Awaitable, Callable

import pytest
from aiohttp.test_utils import TestClient

from server.settings import Settings
from tests.factories import Seed

Client = TestClient  # type: ignore[type-arg]
Bearer = Callable[[str], Awaitable[dict[str, str]]]


async def test_programme_lists_sessions_in_start_order(client: Client, seeded: Seed) -> None:
    response = await client.get("/api/sessions")
    assert response.status == 200
    programme = await response.json()
    assert [event["name"] for event in programme["events"]] == ["Test pre-sessions"]
    assert programme["events"][0]["timezone"] == "Europe/Zurich"
    sessions = programme["sessions"]
    assert [item["country"] for item in sessions] == ["BE", "DK"]
    belgium = sessions[0]
    assert belgium["country_name"] == "Belgium"
    assert belgium["state_under_review"]["name"] == "Belgium"
    assert belgium["starts_at"] == "2030-03-04T09:00:00+00:00"
    assert belgium["phase"] == "scheduled"
    assert "statements" not in belgium  # who speaks is for participants only


async def test_session_detail_has_statement_slots(
    client: Client, seeded: Seed, bearer: Bearer
) -> None:
    response = await client.get(
        f"/api/sessions/{seeded.session_id}", headers=await bearer("delegate")
    )
    assert response.status == 200
    detail = await response.json()
    assert detail["event"]["name"] == "Test pre-sessions"
    [statement] = detail["statements"]
    assert statement["id"] == seeded.statement_id
    assert statement["organisation"] == {
        "id": statement["organisation"]["id"],
        "name": "Ligue des droits humains",
        "kind": "cso",
    }
    assert statement["state"] == "awaiting_upload"
    assert statement["position"] == 1


async def test_unknown_session_ids(client: Client, seeded: Seed, bearer: Bearer) -> None:
    headers = await bearer("moderator")
    for path in ("/api/sessions/9999", "/api/sessions/abc", "/api/sessions/-1", "/api/sessions/١"):
        response = await client.get(path, headers=headers)
        assert response.status == 404, path
        assert (await response.json())["error"]["code"] == "not_found"


async def test_a_delegate_of_another_session_is_refused(
    client: Client, seeded: Seed, bearer: Bearer
) -> None:
    response = await client.get(
        f"/api/sessions/{seeded.session_id}", headers=await bearer("other_delegate")
    )
    assert response.status == 403


async def test_moderator_invites_a_delegate_who_can_sign_in(
    client: Client, seeded: Seed, bearer: Bearer
) -> None:
    url = f"/api/sessions/{seeded.session_id}/invitations"
    headers = await bearer("moderator")
    body = {"role": "delegate", "mission": "de", "name": "Greta Diplomat"}
    first = await client.post(url, json=body, headers=headers)
    assert first.status == 201, await first.text()
    invitation = await first.json()
    again = await client.post(url, json=body, headers=headers)
    assert (await again.json())["token"] == invitation["token"]  # idempotent
    assert invitation["link"].endswith(f"/join/{invitation['token']}")
    login = await client.post("/api/login", json={"invitation": invitation["token"]})
    me = (await login.json())["me"]
    assert me["name"] == "Greta Diplomat"
    assert me["mission"]["name"] == "Permanent Mission of Germany"


async def test_moderator_invites_a_speaker_with_a_statement_slot(
    client: Client, seeded: Seed, bearer: Bearer
) -> None:
    url = f"/api/sessions/{seeded.session_id}/invitations"
    body = {
        "role": "speaker",
        "organisation": "Institut fédéral des droits humains",
        "kind": "nhri",
    }
    response = await client.post(url, json=body, headers=await bearer("moderator"))
    assert response.status == 201
    assert (await response.json())["statement"] != seeded.statement_id


async def test_invitation_errors(client: Client, seeded: Seed, bearer: Bearer) -> None:
    url = f"/api/sessions/{seeded.session_id}/invitations"
    headers = await bearer("moderator")
    cases = [
        ({"role": "king"}, 422, "invalid"),
        ({"role": "delegate"}, 422, "invalid"),
        ({"role": "delegate", "mission": "XX"}, 422, "bad_country"),
        ({"role": "delegate", "mission": "FR", "organisation": "Both"}, 422, "invalid"),
        ({"role": "speaker", "organisation": "O", "kind": "party"}, 422, "invalid"),
        ({"role": "speaker", "organisation": "x" * 201}, 422, "invalid"),
        ({"role": "delegate", "mission": "FR", "email": "nobody"}, 422, "invalid"),
        ({"role": "delegate", "mission": 7}, 422, "invalid"),
        ({"role": "delegate", "mission": "FR", "language": "pt"}, 422, "bad_language"),
        ({"role": "delegate", "mission": "FR", "language": None}, 422, "bad_language"),
        ({"role": "moderator"}, 403, "forbidden"),  # moderators invite speakers and delegates
    ]
    for body, status, code in cases:
        response = await client.post(url, json=body, headers=headers)
        assert response.status == status, (body, await response.text())
        assert (await response.json())["error"]["code"] == code
    unknown = await client.post(
        "/api/sessions/9999/invitations",
        json={"role": "delegate", "mission": "FR"},
        headers=await bearer("admin"),
    )
    assert unknown.status == 404
    detail = await client.get(f"/api/sessions/{seeded.session_id}", headers=headers)
    assert len((await detail.json())["statements"]) == 1  # nothing was created by the errors


async def test_speaker_limit(client: Client, seeded: Seed, bearer: Bearer) -> None:
    url = f"/api/sessions/{seeded.session_id}/invitations"
    headers = await bearer("moderator")
    statuses = []
    for index in range(7):
        body = {"role": "speaker", "organisation": f"Organisation {index}"}
        statuses.append((await client.post(url, json=body, headers=headers)).status)
    # One slot is the seeded speaker's; the default limit is six.
    assert statuses == [201] * 5 + [409] * 2


@pytest.mark.parametrize(
    ("language", "subject", "country", "valid"),
    [
        ("ar", "دعوتك: ", "بلجيكا", "صالح حتى"),
        ("zh", "您的邀请：", "比利时", "有效期至"),
        ("ru", "Ваше приглашение: ", "Бельгия", "действительна до"),
        ("fr", "Votre invitation : ", "Belgique", "valable jusqu’au"),
        ("es", "Su invitación: ", "Bélgica", "válido hasta el"),
        (None, "Your invitation: ", "Belgium", "It is valid until"),
    ],
)
async def test_an_invitation_is_mailed_in_the_language_chosen(
    client: Client,
    seeded: Seed,
    bearer: Bearer,
    settings: Settings,
    language: str | None,
    subject: str,
    country: str,
    valid: str,
) -> None:
    body = {"role": "delegate", "mission": "FR", "name": "Nadia", "email": "nadia@example.org"}
    if language is not None:
        body["language"] = language
    response = await client.post(
        f"/api/sessions/{seeded.session_id}/invitations", json=body, headers=await bearer("admin")
    )
    assert response.status == 201, await response.text()
    invitation = await response.json()
    [path] = settings.outbox_dir.glob("*.eml")
    mail = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert mail["Subject"].startswith(subject)
    assert country in mail["Subject"]
    text = mail.get_payload(decode=True).decode()
    assert invitation["link"] in text
    assert "Nadia" in text
    assert valid in text
