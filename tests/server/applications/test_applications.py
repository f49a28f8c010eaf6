"""The call for applications: deadlines, review, invitation, sign-in, upload; the speaker cap."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import update

from server.applications import service, views
from server.db import Database
from server.errors import Conflict
from server.keys import DATABASE, IDENTITY
from server.models import CountrySession, Event, utcnow
from server.settings import Settings
from tests.clips import Clips
from tests.factories import Seed, other_event
from tests.uploading import tus_upload, wait_for

Client = TestClient  # type: ignore[type-arg]
Bearer = Callable[[str], Awaitable[dict[str, str]]]
GENEVA = ZoneInfo("Europe/Zurich")


def form(seeded: Seed, **changes: Any) -> dict[str, Any]:
    return {
        "event": seeded.event_id,
        "organisation": "Institut fédéral pour les droits humains",
        "kind": "nhri",
        "scope": "national",
        "country": "BE",
        "sessions": [seeded.session_id],
        "contact_name": "Camille Martin",
        "contact_email": "camille@example.org",
        "language": "fr",
        "summary": "Detention conditions and the rights of migrants.",
        "consent": True,
        **changes,
    }


async def set_deadlines(database: Database, **deadlines: datetime | None) -> None:
    async with database.write() as session:
        await session.execute(update(Event).values(**deadlines))


def outbox(settings: Settings) -> list[email.message.Message]:
    return [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted(settings.outbox_dir.glob("*.eml"))
    ]


async def test_the_deadline_to_the_second_in_the_event_time_zone(
    client: Client, seeded: Seed
) -> None:
    database = client.server.app[DATABASE]
    deadline = datetime(2030, 1, 31, 23, 59, 59, tzinfo=GENEVA)  # 22:59:59 UTC
    await set_deadlines(database, application_deadline=deadline)
    parsed = views.parse_form(form(seeded))
    async with database.write() as session:
        on_time = await service.submit(session, parsed, deadline - timedelta(seconds=1))
        assert on_time.new
        assert on_time.application.id
    with pytest.raises(Conflict) as closed:
        async with database.write() as session:
            await service.submit(session, parsed, deadline + timedelta(seconds=1))
    assert closed.value.code == "applications_closed"


async def test_from_application_to_an_uploaded_statement(
    client: Client, seeded: Seed, bearer: Bearer, settings: Settings, clips: Clips
) -> None:
    await set_deadlines(
        client.server.app[DATABASE],
        application_deadline=utcnow() + timedelta(days=1),
        statement_deadline=utcnow() + timedelta(days=2),
    )
    submitted = await client.post("/api/applications", json=form(seeded))
    assert submitted.status == 201, await submitted.text()
    application = await submitted.json()
    [received] = outbox(settings)
    assert received["To"] == "camille@example.org"
    # In the application's working language (French), the session's country too.
    assert received["Subject"] == "Candidature reçue : Test pre-sessions"
    assert "Belgique" in received.get_payload(decode=True).decode()

    moderator = await bearer("moderator")
    listed = await client.get(f"/api/sessions/{seeded.session_id}/applications", headers=moderator)
    [pending] = (await listed.json())["applications"]
    assert pending["organisation"] == "Institut fédéral pour les droits humains"
    assert pending["decision"] == "pending"

    accepted = await client.post(
        f"/api/applications/{application['id']}/review",
        json={"session": seeded.session_id, "decision": "accepted", "message": "Bienvenue !"},
        headers=moderator,
    )
    assert accepted.status == 200, await accepted.text()
    decision = await accepted.json()
    assert decision["decision"] == "accepted"
    assert decision["statement"] is not None
    again = await client.post(
        f"/api/applications/{application['id']}/review",
        json={"session": seeded.session_id, "decision": "accepted"},
        headers=moderator,
    )
    assert again.status == 409

    letter = outbox(settings)[-1].get_payload(decode=True).decode()
    assert "a été acceptée" in letter
    assert "Bienvenue !" in letter
    link = next(line for line in letter.splitlines() if "/join/" in line)
    token = link.rsplit("/join/", 1)[1]
    login = await client.post("/api/login", json={"invitation": token})
    assert login.status == 200
    me = (await login.json())["me"]
    assert me["role"] == "speaker"
    assert me["organisation"]["kind"] == "nhri"
    client.session.cookie_jar.clear()
    speaker = {"Authorization": f"Bearer {(await login.json())['token']}"}
    await tus_upload(client, speaker, decision["statement"], clips.landscape)
    statement = await wait_for(client, speaker, decision["statement"], "ready", "failed")
    assert statement["state"] == "ready", statement


async def test_the_speaker_cap_holds(client: Client, seeded: Seed, bearer: Bearer) -> None:
    database = client.server.app[DATABASE]
    async with database.write() as session:
        await session.execute(update(CountrySession).values(max_speakers=1))  # the seeded one
    submitted = await (await client.post("/api/applications", json=form(seeded))).json()
    refused = await client.post(
        f"/api/applications/{submitted['id']}/review",
        json={"session": seeded.session_id, "decision": "accepted"},
        headers=await bearer("moderator"),
    )
    assert refused.status == 409
    assert (await refused.json())["error"]["code"] == "speaker_limit"
    listed = await client.get(
        f"/api/sessions/{seeded.session_id}/applications", headers=await bearer("moderator")
    )
    assert (await listed.json())["applications"][0]["decision"] == "pending"


async def test_waitlist_and_reject_tell_the_applicant(
    client: Client, seeded: Seed, bearer: Bearer, settings: Settings
) -> None:
    both = form(seeded, sessions=[seeded.session_id, seeded.other_session_id])
    submitted = await (await client.post("/api/applications", json=both)).json()
    moderator = await bearer("moderator")
    for session_id, decision in (
        (seeded.session_id, "waitlisted"),
        (seeded.other_session_id, "rejected"),
    ):
        response = await client.post(
            f"/api/applications/{submitted['id']}/review",
            json={"session": session_id, "decision": decision, "message": "Many applied."},
            headers=moderator,
        )
        assert response.status == 200
    letters = [m.get_payload(decode=True).decode() for m in outbox(settings)]
    assert "est sur la liste d’attente" in letters[-2]
    assert "n’a pas pu être retenue" in letters[-1]
    assert all("/join/" not in letter for letter in letters)


async def test_bad_applications_change_nothing(
    client: Client, seeded: Seed, bearer: Bearer
) -> None:
    cases = [
        (form(seeded, consent=False), 422, "consent_required"),
        (form(seeded, contact_email="nobody"), 422, "bad_email"),
        (form(seeded, sessions=[]), 422, "missing_sessions"),
        (form(seeded, sessions=[9999]), 422, "bad_session"),
        (form(seeded, kind="party"), 422, "bad_kind"),
        (form(seeded, scope="global"), 422, "bad_scope"),
        (form(seeded, language="pt"), 422, "bad_language"),
        (form(seeded, contact_name="x" * 201), 422, "too_long_contact_name"),
        (form(seeded, organisation=" "), 422, "missing_organisation"),
        (form(seeded, summary="x" * 2001), 422, "too_long_summary"),
        (form(seeded, country="XX"), 422, "bad_country"),
        (form(seeded, event=9999), 404, "not_found"),
    ]
    for body, status, code in cases:
        response = await client.post("/api/applications", json=body)
        assert response.status == status, (body, await response.text())
        assert (await response.json())["error"]["code"] == code
    await set_deadlines(
        client.server.app[DATABASE], application_deadline=utcnow() - timedelta(seconds=1)
    )
    closed = await client.post("/api/applications", json=form(seeded))
    assert closed.status == 409
    assert (await closed.json())["error"]["code"] == "applications_closed"
    listed = await client.get(
        f"/api/sessions/{seeded.session_id}/applications", headers=await bearer("moderator")
    )
    assert (await listed.json())["applications"] == []


async def test_a_later_deadline_for_one_speaker(
    client: Client, seeded: Seed, bearer: Bearer, clips: Clips
) -> None:
    await set_deadlines(
        client.server.app[DATABASE], statement_deadline=utcnow() - timedelta(seconds=1)
    )
    speaker = await bearer("speaker")
    with pytest.raises(Exception, match="403"):
        await tus_upload(client, speaker, seeded.statement_id, clips.landscape)
    until = (utcnow() + timedelta(hours=1)).isoformat()
    moderator = await bearer("moderator")
    extended = await client.put(
        f"/api/statements/{seeded.statement_id}/deadline", json={"until": until}, headers=moderator
    )
    assert extended.status == 200
    # The speaker's page reads their own deadline from the statement.
    detail = await client.get(f"/api/statements/{seeded.statement_id}", headers=speaker)
    assert datetime.fromisoformat((await detail.json())["deadline"]) == datetime.fromisoformat(
        until
    )
    naive = await client.put(
        f"/api/statements/{seeded.statement_id}/deadline",
        json={"until": "2030-01-01T10:00"},
        headers=moderator,
    )
    assert naive.status == 422
    await tus_upload(client, speaker, seeded.statement_id, clips.landscape)
    statement = await wait_for(client, speaker, seeded.statement_id, "ready", "failed")
    assert statement["state"] == "ready"


async def test_the_form_and_its_country_list_are_open_to_anyone(client: Client) -> None:
    page = await client.get("/apply")
    assert page.status == 200
    assert 'data-page="apply"' in await page.text()
    listed = await client.get("/api/countries")
    assert listed.status == 200
    countries = (await listed.json())["countries"]
    by_code = {country["code"]: country["name"] for country in countries}
    assert by_code["BE"] == "Belgium"
    assert by_code["CH"] == "Switzerland"
    assert len(countries) == len(by_code) > 240
    names = [country["name"] for country in countries]
    assert names == sorted(names)


async def test_the_speaker_reads_back_the_consent_they_gave(
    client: Client, seeded: Seed, bearer: Bearer
) -> None:
    speaker = await bearer("speaker")
    url = f"/api/statements/{seeded.statement_id}"
    before = await (await client.get(url, headers=speaker)).json()
    assert (before["publication"], before["show_speaker_name"]) == ("none", False)
    chosen = {"publication": "participants", "show_speaker_name": True}
    saved = await client.put(f"{url}/consent", json=chosen, headers=speaker)
    assert saved.status == 200
    after = await (await client.get(url, headers=speaker)).json()
    assert (after["publication"], after["show_speaker_name"]) == ("participants", True)
    for bad in ({"publication": "everyone", "show_speaker_name": True}, {"publication": "none"}):
        refused = await client.put(f"{url}/consent", json=bad, headers=speaker)
        assert refused.status == 422
    unchanged = await (await client.get(url, headers=speaker)).json()
    assert (unchanged["publication"], unchanged["show_speaker_name"]) == ("participants", True)


async def test_organisers_set_the_speaker_cap(client: Client, seeded: Seed, bearer: Bearer) -> None:
    moderator = await bearer("moderator")
    url = f"/api/sessions/{seeded.session_id}"
    for bad in (0, 51, "2", True, None, 2.5):
        refused = await client.patch(url, json={"max_speakers": bad}, headers=moderator)
        assert refused.status == 422, bad
    set_to_two = await client.patch(url, json={"max_speakers": 2}, headers=moderator)
    assert set_to_two.status == 200
    assert (await set_to_two.json())["max_speakers"] == 2
    submitted = await (await client.post("/api/applications", json=form(seeded))).json()
    accepted = await client.post(
        f"/api/applications/{submitted['id']}/review",
        json={"session": seeded.session_id, "decision": "accepted"},
        headers=moderator,
    )
    assert accepted.status == 200
    # Two speakers now (the seeded one and this one): the cap cannot go under them.
    lower = await client.patch(url, json={"max_speakers": 1}, headers=moderator)
    assert lower.status == 409
    assert (await lower.json())["error"]["code"] == "below_speakers"
    detail = await (await client.get(url, headers=moderator)).json()
    assert detail["max_speakers"] == 2
    assert len(detail["statements"]) == 2


async def test_organisers_set_the_event_deadlines(
    client: Client, seeded: Seed, bearer: Bearer
) -> None:
    moderator = await bearer("moderator")
    url = f"/api/events/{seeded.event_id}"
    closes = datetime(2030, 2, 1, 23, 59, 59, tzinfo=GENEVA)
    due = datetime(2030, 2, 20, 23, 59, 59, tzinfo=GENEVA)
    saved = await client.patch(
        url,
        json={"application_deadline": closes.isoformat(), "statement_deadline": due.isoformat()},
        headers=moderator,
    )
    assert saved.status == 200
    event = await saved.json()
    assert datetime.fromisoformat(event["application_deadline"]) == closes
    assert datetime.fromisoformat(event["statement_deadline"]) == due
    for bad in (
        {},
        {"application_deadline": "2030-02-01T23:59"},  # no time zone
        {"application_deadline": "tomorrow"},
        {"statement_deadline": (closes - timedelta(days=1)).isoformat()},  # before the call ends
        {"application_deadline": "0001-01-01T00:00:00+14:00"},  # would not fit the database
        {"statement_deadline": "9999-12-31T23:59:59+00:00"},
    ):
        refused = await client.patch(url, json=bad, headers=moderator)
        assert refused.status == 422, bad
    other = await other_event(client.server.app[DATABASE], client.server.app[IDENTITY])
    elsewhere = await client.patch(
        f"/api/events/{other.event_id}", json={"application_deadline": None}, headers=moderator
    )
    assert elsewhere.status == 403
    unknown = await client.patch(
        f"/api/events/{other.event_id + 1}", json={"application_deadline": None}, headers=moderator
    )
    assert unknown.status == 404
    programme = await (await client.get("/api/sessions")).json()
    unchanged = next(e for e in programme["events"] if e["id"] == seeded.event_id)
    assert datetime.fromisoformat(unchanged["application_deadline"]) == closes
    assert datetime.fromisoformat(unchanged["statement_deadline"]) == due
    reopened = await client.patch(url, json={"application_deadline": None}, headers=moderator)
    assert (await reopened.json())["application_deadline"] is None


async def test_a_speaker_invited_directly_can_say_national_or_international(
    client: Client, seeded: Seed, bearer: Bearer
) -> None:
    moderator = await bearer("moderator")
    url = f"/api/sessions/{seeded.session_id}/invitations"
    invitation = {"role": "speaker", "organisation": "Amnesty Belgique", "kind": "cso"}
    for bad in ("regional", "", 0, False):
        refused = await client.post(url, json={**invitation, "scope": bad}, headers=moderator)
        assert refused.status == 422, bad
    invited = await client.post(
        url, json={**invitation, "scope": "international"}, headers=moderator
    )
    assert invited.status == 201
    record = await (
        await client.get(f"/api/sessions/{seeded.session_id}/record", headers=moderator)
    ).json()
    scopes = {speaker["organisation"]: speaker["scope"] for speaker in record["speakers"]}
    assert scopes["Amnesty Belgique"] == "international"
    assert len(scopes) == 2  # the refused invitation created nobody


async def test_an_earlier_own_deadline_never_shortens_the_events(
    client: Client, seeded: Seed, bearer: Bearer, clips: Clips
) -> None:
    await set_deadlines(
        client.server.app[DATABASE], statement_deadline=utcnow() + timedelta(hours=1)
    )
    moderator = await bearer("moderator")
    url = f"/api/statements/{seeded.statement_id}/deadline"
    earlier = (utcnow() - timedelta(seconds=1)).isoformat()
    assert (await client.put(url, json={"until": earlier}, headers=moderator)).status == 200
    for bad in ("1900-01-01T00:00:00+00:00", "not a date", "2030-01-01T10:00"):
        refused = await client.put(url, json={"until": bad}, headers=moderator)
        assert refused.status == 422, bad
    speaker = await bearer("speaker")
    detail = await (
        await client.get(f"/api/statements/{seeded.statement_id}", headers=speaker)
    ).json()
    assert datetime.fromisoformat(detail["deadline"]) == datetime.fromisoformat(earlier)
    # Its own deadline has passed but the event's has not: the speaker can still upload.
    await tus_upload(client, speaker, seeded.statement_id, clips.landscape)
    statement = await wait_for(client, speaker, seeded.statement_id, "ready", "failed")
    assert statement["state"] == "ready"


async def test_the_same_application_sent_twice_is_recorded_once(
    client: Client, seeded: Seed, bearer: Bearer, settings: Settings
) -> None:
    key = "apply-3f9c2a71-5d1e"
    first = await client.post("/api/applications", json=form(seeded, client_id=key))
    assert first.status == 201
    recorded = await first.json()
    assert recorded["mailed"] is True
    # A retry after a lost answer, or a reload that sends the same page's application again.
    again = await client.post(
        "/api/applications", json=form(seeded, client_id=key, organisation="Renamed")
    )
    assert again.status == 200
    assert (await again.json())["id"] == recorded["id"]
    for bad in ("short", "x" * 65, "has spaces in it", 12345678, True):
        refused = await client.post("/api/applications", json=form(seeded, client_id=bad))
        assert refused.status == 422, bad
    # Once closed, the application already recorded is still found; a new one is refused.
    await set_deadlines(
        client.server.app[DATABASE], application_deadline=utcnow() - timedelta(seconds=1)
    )
    late_retry = await client.post("/api/applications", json=form(seeded, client_id=key))
    assert late_retry.status == 200
    late_new = await client.post(
        "/api/applications", json=form(seeded, client_id="another-page-key")
    )
    assert late_new.status == 409
    listed = await client.get(
        f"/api/sessions/{seeded.session_id}/applications", headers=await bearer("moderator")
    )
    applications = (await listed.json())["applications"]
    assert [a["organisation"] for a in applications] == [form(seeded)["organisation"]]
    confirmations = [m for m in outbox(settings) if "Candidature reçue" in m["Subject"]]
    assert len(confirmations) == 1


@pytest.mark.parametrize(
    ("language", "subject", "session", "waitlisted"),
    [
        ("ar", "تم استلام الطلب", "بلجيكا", "في قائمة الانتظار"),
        ("zh", "申请已收到", "比利时", "已列入候补名单"),
        ("en", "Application received", "Belgium", "is on the waiting list"),
        ("ru", "Заявка получена", "Бельгия", "внесена в лист ожидания"),
        ("es", "Solicitud recibida", "Bélgica", "está en la lista de espera"),
    ],
)
async def test_the_applicant_is_written_to_in_the_applications_language(
    client: Client,
    seeded: Seed,
    bearer: Bearer,
    settings: Settings,
    language: str,
    subject: str,
    session: str,
    waitlisted: str,
) -> None:
    """French is shown above; the confirmation and the decision name the session's country
    in the applicant's language too."""
    submitted = await client.post("/api/applications", json=form(seeded, language=language))
    assert submitted.status == 201, await submitted.text()
    [received] = outbox(settings)
    assert received["Subject"].startswith(subject)
    assert session in received.get_payload(decode=True).decode()
    review = await client.post(
        f"/api/applications/{(await submitted.json())['id']}/review",
        json={"session": seeded.session_id, "decision": "waitlisted"},
        headers=await bearer("moderator"),
    )
    assert review.status == 200
    letter = outbox(settings)[-1].get_payload(decode=True).decode()
    assert waitlisted in letter
    assert session in letter


async def test_an_unknown_working_language_is_refused(client: Client, seeded: Seed) -> None:
    for language in ("pt", "", 7, "english"):
        response = await client.post("/api/applications", json=form(seeded, language=language))
        assert response.status == 422
        assert (
            "'language' must be one of: ar, zh, en, fr, ru, es."
            in (await response.json())["error"]["message"]
        )
