"""The official record of a session run through the live-room API."""

from __future__ import annotations

import copy
import csv
import io
from collections.abc import Awaitable, Callable

import pytest
from aiohttp.test_utils import TestClient

from server.records.page_texts import TEXTS
from server.records.record import verify
from tests.factories import Seed
from tests.server.live.conftest import Connect

Client = TestClient  # type: ignore[type-arg]
Bearer = Callable[[str], Awaitable[dict[str, str]]]


async def run_a_session(live: Connect, seeded: Seed) -> None:
    session = seeded.session_id
    moderator, speaker, delegate = (
        await live("moderator"),
        await live("speaker"),
        await live("delegate"),
    )
    for client in (moderator, speaker, delegate):
        await client.ok("join", {"session": session})
    await moderator.ok("phase", {"session": session, "phase": "screening"})
    text = "Will the law on <b>NGOs</b> change?"
    first = await delegate.ok(
        "ask", {"session": session, "client_id": "1", "text": text, "to": seeded.statement_id}
    )
    second = await delegate.ok(
        "ask", {"session": session, "client_id": "2", "text": "=HYPERLINK(1)"}
    )
    one, two = first["question"]["id"], second["question"]["id"]
    edit = {"question": one, "action": "edit", "text": "Will the NGO law change?"}
    await moderator.ok("moderate", edit)
    await moderator.ok("moderate", {"question": one, "action": "approve"})
    await moderator.ok("moderate", {"question": two, "action": "reject", "reason": "Off topic"})
    await moderator.ok("phase", {"session": session, "phase": "qa"})
    await moderator.ok("moderate", {"question": one, "action": "on_air"})
    await speaker.ok("answer", {"question": one, "text": "We hope so."})
    await moderator.ok("moderate", {"question": one, "action": "answered"})
    await moderator.ok("phase", {"session": session, "phase": "closed"})


async def test_the_record(client: Client, seeded: Seed, live: Connect, bearer: Bearer) -> None:
    await run_a_session(live, seeded)
    headers = await bearer("moderator")
    response = await client.get(f"/api/sessions/{seeded.session_id}/record", headers=headers)
    assert response.status == 200
    record = await response.json()
    assert record["session"]["state_under_review"] == "Belgium"
    assert record["session"]["phase"] == "closed"
    [speaker] = record["speakers"]
    assert speaker["organisation"] == "Ligue des droits humains"
    assert speaker["kind"] == "cso"
    assert speaker["speaker"] is None  # by organisation only, until the speaker says otherwise
    assert speaker["publication"] == "none"
    first, second = record["questions"]
    assert first["mission"] == "Permanent Mission of France"
    assert first["addressee"] == "Ligue des droits humains"
    assert first["text_as_asked"] == "Will the law on <b>NGOs</b> change?"
    assert first["text_as_edited"] == "Will the NGO law change?"
    assert first["status"] == "answered"
    assert first["asked_at"] < first["on_air_at"] < first["answered_at"]
    assert first["written_answers"] == [
        {"organisation": "Ligue des droits humains", "text": "We hope so."}
    ]
    assert second["status"] == "rejected"
    assert second["rejection_reason"] == "Off topic"
    attendance = {row["name"]: row for row in record["attendance"]}
    assert set(attendance) == {
        "Permanent Mission of France",
        "Ligue des droits humains",
        "Organisers",
    }
    assert attendance["Permanent Mission of France"]["seconds_present"] >= 0

    assert verify(record)
    changed = copy.deepcopy(record)
    changed["questions"][0]["text_as_asked"] = "Something else"
    assert not verify(changed)
    del changed["digest"]
    assert not verify(changed)


async def test_the_record_as_csv_and_as_a_page(
    client: Client, seeded: Seed, live: Connect, bearer: Bearer
) -> None:
    await run_a_session(live, seeded)
    headers = await bearer("moderator")
    response = await client.get(f"/api/sessions/{seeded.session_id}/record.csv", headers=headers)
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(await response.text())))
    assert [row["number"] for row in rows] == ["1", "2"]
    assert rows[1]["text_as_asked"] == "'=HYPERLINK(1)"  # never a formula in a spreadsheet
    assert rows[0]["written_answers"] == "Ligue des droits humains: We hope so."
    page = await client.get(f"/sessions/{seeded.session_id}/record", headers=headers)
    assert page.status == 200
    html = await page.text()
    assert "Will the law on &lt;b&gt;NGOs&lt;/b&gt; change?" in html
    assert "<b>NGOs</b>" not in html
    assert "/static/record.css" in html


async def test_the_record_follows_the_speakers_choices(
    client: Client, seeded: Seed, bearer: Bearer
) -> None:
    speaker = await bearer("speaker")
    url = f"/api/statements/{seeded.statement_id}/consent"
    chosen = await client.put(
        url, json={"publication": "public", "show_speaker_name": True}, headers=speaker
    )
    assert chosen.status == 200, await chosen.text()
    for bad in ({"publication": "everyone", "show_speaker_name": True}, {"publication": "public"}):
        assert (await client.put(url, json=bad, headers=speaker)).status == 422
    moderator = await bearer("moderator")
    record = await (
        await client.get(f"/api/sessions/{seeded.session_id}/record", headers=moderator)
    ).json()
    [named] = record["speakers"]
    assert named["speaker"] == "Speaker for Ligue des droits humains"
    assert named["publication"] == "public"
    assert record["statements"][0]["publication"] == "public"


@pytest.mark.parametrize(
    ("query", "accept", "lang", "dir_", "heading", "sur"),
    [
        ("?lang=ar", "", "ar", "rtl", "<h2>الأسئلة</h2>", "الدولة قيد الاستعراض: بلجيكا."),
        ("?lang=zh", "fr", "zh", "ltr", "<h2>问题</h2>", "受审议国：比利时。"),
        ("", "ru-RU,ru;q=0.9,en;q=0.8", "ru", "ltr", "<h2>Вопросы</h2>", "обзор: Бельгия."),
        ("", "de-CH, es;q=0.7, fr;q=0.3", "es", "ltr", "<h2>Preguntas</h2>", "examinado: Bélgica"),
        ("?lang=FR", "ar", "fr", "ltr", "<h2>Questions</h2>", "État examiné : Belgique."),
        ("", "de, pt;q=0.5", "en", "ltr", "<h2>Questions</h2>", "State under Review: Belgium."),
    ],
)
async def test_the_printable_record_in_each_language(
    client: Client,
    seeded: Seed,
    live: Connect,
    bearer: Bearer,
    query: str,
    accept: str,
    lang: str,
    dir_: str,
    heading: str,
    sur: str,
) -> None:
    """`?lang=` first, then the browser's languages; the data stays as recorded."""
    await run_a_session(live, seeded)
    headers = {**await bearer("moderator"), "Accept-Language": accept}
    page = await client.get(f"/sessions/{seeded.session_id}/record{query}", headers=headers)
    assert page.status == 200
    assert page.headers["Content-Language"] == lang
    html = await page.text()
    assert f'<html lang="{lang}" dir="{dir_}">' in html
    assert heading in html
    assert sur in html
    assert "Will the law on &lt;b&gt;NGOs&lt;/b&gt; change?" in html
    # The second question was to the whole panel: said in the page's language.
    assert f"<td>{TEXTS[lang]['whole_panel']}</td>" in html
    assert lang == "en" or "the whole panel" not in html


async def test_an_unknown_record_language_is_refused(
    client: Client, seeded: Seed, bearer: Bearer
) -> None:
    headers = await bearer("moderator")
    for lang in ("de", "", "english", "<b>ar</b>"):
        page = await client.get(
            f"/sessions/{seeded.session_id}/record?lang={lang}", headers=headers
        )
        assert page.status == 422
        error = (await page.json())["error"]
        assert error == {"code": "bad_lang", "message": "'lang' is one of: ar, zh, en, fr, ru, es."}
