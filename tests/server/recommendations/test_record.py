"""The record (JSON, CSV, printable page) and the event figures carry the recommendations,
their themes and how many missions intend to raise each."""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable

from server.keys import DATABASE, IDENTITY
from server.records.record import verify
from tests.clips import Clips
from tests.factories import Seed, add_speaker
from tests.server.recommendations.helpers import (
    LIST,
    Client,
    another_delegate,
    approved,
    put_list,
    sign_in,
)

Bearer = Callable[[str], Awaitable[dict[str, str]]]
HOSTILE = {"text": '=HYPERLINK("x") <script>alert(1)</script>', "theme": "civic_space"}


async def test_the_record_and_the_figures_carry_the_recommendations(
    client: Client, seeded: Seed, bearer: Bearer, clips: Clips
) -> None:
    app = client.server.app
    speaker, moderator = await bearer("speaker"), await bearer("moderator")
    _, saved = await put_list(client, speaker, seeded.statement_id, [*LIST, HOSTILE])
    token, second_statement = await add_speaker(app[DATABASE], app[IDENTITY], seeded, "NHRI")
    await put_list(client, await sign_in(client, token), second_statement, [LIST[0]])
    await approved(client, speaker, moderator, seeded.statement_id, clips)
    first = saved["items"][0]["id"]
    brazil = await sign_in(
        client, await another_delegate(app[DATABASE], app[IDENTITY], seeded, "BR")
    )
    for delegate in (await bearer("delegate"), brazil):
        assert (
            await client.put(f"/api/recommendations/{first}/intent", headers=delegate)
        ).status == 200

    # A change waiting for review is not in the record, nor in the figures: the approved list is.
    draft = [{"id": first, "text": "Ratify OP-CAT now.", "theme": "other"}]
    assert (await put_list(client, speaker, seeded.statement_id, draft))[0] == 200

    response = await client.get(f"/api/sessions/{seeded.session_id}/record", headers=moderator)
    record = await response.json()
    assert verify(record)
    # The NHRI's statement was never reviewed: its list is not in the record.
    assert [
        (r["organisation"], r["number"], r["theme"], r["previous"], r["missions_intending"])
        for r in record["recommendations"]
    ] == [
        ("Ligue des droits humains", 1, "torture", None, 2),
        ("Ligue des droits humains", 2, "freedom_of_expression", "115.23", 0),
        ("Ligue des droits humains", 3, "civic_space", None, 0),
    ]
    assert record["recommendations"][0]["text"] == LIST[0]["text"]
    assert record["recommendations"][0]["theme_name"] == "Torture and ill-treatment"
    assert record["recommendations"][2]["text"] == HOSTILE["text"]

    url = f"/api/sessions/{seeded.session_id}/record.csv?table=recommendations"
    response = await client.get(url, headers=moderator)
    assert response.status == 200
    assert "-recommendations.csv" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(await response.text())))
    assert [(row["organisation"], row["missions_intending"]) for row in rows][:2] == [
        ("Ligue des droits humains", "2"),
        ("Ligue des droits humains", "0"),
    ]
    assert rows[2]["text"] == "'" + HOSTILE["text"]  # never a formula in a spreadsheet
    assert rows[1]["previous"] == "115.23"
    questions = await client.get(f"/api/sessions/{seeded.session_id}/record.csv", headers=moderator)
    assert next(csv.reader(io.StringIO(await questions.text())))[0] == "number"
    bad = await client.get(url.replace("recommendations", "people"), headers=moderator)
    assert bad.status == 422
    assert (await bad.json())["error"]["field"] == "table"

    page = await (
        await client.get(f"/sessions/{seeded.session_id}/record", headers=moderator)
    ).text()
    assert "<h2>Recommendations</h2>" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>" not in page
    assert "Freedom of expression" in page
    # In another language the page's words and the themes are translated; the texts are not.
    arabic = await (
        await client.get(f"/sessions/{seeded.session_id}/record?lang=ar", headers=moderator)
    ).text()
    assert "<h2>التوصيات</h2>" in arabic
    assert "حرية التعبير" in arabic
    assert "Freedom of expression" not in arabic
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in arabic

    response = await client.get(f"/api/events/{seeded.event_id}/figures", headers=moderator)
    figures = await response.json()
    assert figures["recommendations"]["total"] == 3
    assert figures["recommendations"]["by_theme"]["torture"] == 1
    assert figures["recommendations"]["by_theme"]["other"] == 0
    assert [row["recommendations"] for row in figures["sessions"]] == [3, 0]
    assert "Ratify OP-CAT now." not in page

    # Rejected, the list leaves the record and the figures.
    rejected = await client.post(
        f"/api/statements/{seeded.statement_id}/review",
        json={"action": "reject", "reason": "Off topic."},
        headers=moderator,
    )
    assert rejected.status == 200
    response = await client.get(f"/api/sessions/{seeded.session_id}/record", headers=moderator)
    assert (await response.json())["recommendations"] == []
    response = await client.get(f"/api/events/{seeded.event_id}/figures", headers=moderator)
    assert (await response.json())["recommendations"]["total"] == 0
