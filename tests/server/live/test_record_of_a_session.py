"""The official record of a session run through the live-room API."""

from __future__ import annotations

import copy
import csv
import io
from collections.abc import Awaitable, Callable

from aiohttp.test_utils import TestClient

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
    assert speaker["speaker"] == "Speaker for Ligue des droits humains"
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
