"""A speaker's recommendations beside their statement, over HTTP: the rules, every role, every
bad input (and that a refused change leaves the list as it was)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest

from server.keys import DATABASE, IDENTITY
from server.models import utcnow
from tests.factories import Seed, add_speaker
from tests.server.recommendations.helpers import (
    LIST,
    Client,
    get_list,
    put_list,
    session_list,
    set_statement_deadline,
    sign_in,
)

Bearer = Callable[[str], Awaitable[dict[str, str]]]


async def test_a_speaker_saves_changes_and_withdraws_their_list(
    client: Client, seeded: Seed, bearer: Bearer
) -> None:
    speaker, moderator = await bearer("speaker"), await bearer("moderator")
    hostile = {"text": " <b>End</b> \u202eimpunity\u202c\u200b ", "theme": "justice_rule_of_law"}
    status, saved = await put_list(client, speaker, seeded.statement_id, [*LIST, hostile])
    assert status == 200, saved
    items = saved["items"]
    assert [(item["position"], item["theme"], item["previous"]) for item in items] == [
        (1, "torture", None),
        (2, "freedom_of_expression", "115.23"),
        (3, "justice_rule_of_law", None),
    ]
    assert items[2]["text"] == "<b>End</b> impunity"  # text, kept as typed, without overrides
    assert await get_list(client, speaker, seeded.statement_id) == items
    assert await get_list(client, moderator, seeded.statement_id) == items

    # The second is kept (its id), edited and moved first; the others go; one is added.
    second = {**LIST[1], "id": items[1]["id"], "text": "Repeal article 7 and article 9."}
    status, again = await put_list(
        client, speaker, seeded.statement_id, [second, {"text": "x", "theme": "lgbti"}]
    )
    assert status == 200, again
    assert [item["position"] for item in again["items"]] == [1, 2]
    assert again["items"][0]["id"] == items[1]["id"]
    assert again["items"][0]["text"] == "Repeal article 7 and article 9."
    assert again["items"][1]["id"] not in {item["id"] for item in items}

    withdrawn = await client.delete(
        f"/api/statements/{seeded.statement_id}/recommendations", headers=speaker
    )
    assert withdrawn.status == 200
    assert (await withdrawn.json())["items"] == []
    assert await get_list(client, speaker, seeded.statement_id) == []


@pytest.mark.parametrize(
    ("items", "code", "field"),
    [
        ([], "no_items", "items"),
        ("Ratify OP-CAT", "invalid", "items"),
        ([LIST[0]] * 11, "too_many", "items"),
        ([LIST[0], {"text": "  ", "theme": "torture"}], "empty_text", "items[1].text"),
        ([{"text": "x" * 601, "theme": "torture"}], "text_too_long", "items[0].text"),
        ([LIST[0], LIST[1], {"text": "x", "theme": "weather"}], "unknown_theme", "items[2].theme"),
        ([{"text": "x", "theme": "torture", "previous": "9" * 41}], "text_too_long",
         "items[0].previous"),
        ([{"text": "x", "theme": "torture", "id": 2**40}], "invalid", "items[0].id"),
        ([{"text": "x", "theme": "torture", "id": 999}], "unknown_recommendation", "items[0].id"),
    ],
)  # fmt: skip
async def test_bad_input_names_its_field_and_changes_nothing(
    client: Client, seeded: Seed, bearer: Bearer, items: object, code: str, field: str
) -> None:
    speaker = await bearer("speaker")
    assert (await put_list(client, speaker, seeded.statement_id, LIST))[0] == 200
    before = await get_list(client, speaker, seeded.statement_id)
    status, answer = await put_list(client, speaker, seeded.statement_id, items)
    assert status == 422, answer
    assert answer["error"]["code"] == code
    assert answer["error"]["field"] == field
    assert answer["error"]["message"]
    assert await get_list(client, speaker, seeded.statement_id) == before


async def test_an_id_of_another_statement_is_refused(
    client: Client, seeded: Seed, bearer: Bearer
) -> None:
    app = client.server.app
    token, other_statement = await add_speaker(app[DATABASE], app[IDENTITY], seeded, "Second CSO")
    other = await sign_in(client, token)
    status, theirs = await put_list(client, other, other_statement, LIST)
    assert status == 200
    speaker = await bearer("speaker")
    stolen = [{**LIST[0], "id": theirs["items"][0]["id"]}]
    status, answer = await put_list(client, speaker, seeded.statement_id, stolen)
    assert (status, answer["error"]["field"]) == (422, "items[0].id")
    assert await get_list(client, other, other_statement) == theirs["items"]
    assert await get_list(client, speaker, seeded.statement_id) == []


async def test_a_body_that_is_not_an_object_is_refused(
    client: Client, seeded: Seed, bearer: Bearer
) -> None:
    speaker = await bearer("speaker")
    response = await client.put(
        f"/api/statements/{seeded.statement_id}/recommendations", data=b"[1]", headers=speaker
    )
    assert response.status == 400
    response = await client.put(
        f"/api/statements/{seeded.statement_id}/recommendations", json={}, headers=speaker
    )
    assert response.status == 422
    assert (await response.json())["error"]["field"] == "items"


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
async def test_only_the_speaker_and_organisers_reach_a_statements_list(
    client: Client, seeded: Seed, bearer: Bearer, method: str
) -> None:
    speaker = await bearer("speaker")
    assert (await put_list(client, speaker, seeded.statement_id, LIST))[0] == 200
    before = await get_list(client, speaker, seeded.statement_id)
    app = client.server.app
    token, _ = await add_speaker(app[DATABASE], app[IDENTITY], seeded, "Second CSO")
    url = f"/api/statements/{seeded.statement_id}/recommendations"
    body: dict[str, Any] = {"json": {"items": [LIST[0]]}} if method == "PUT" else {}
    refused: list[tuple[dict[str, str], int]] = [
        ({}, 401),
        (await bearer("delegate"), 403),
        (await bearer("other_delegate"), 403),
        (await sign_in(client, token), 403),  # another speaker of the same session
    ]
    for headers, status in refused:
        response = await client.request(method, url, headers=headers, **body)
        assert response.status == status, (headers, await response.text())
    assert await get_list(client, speaker, seeded.statement_id) == before
    for organiser in ("moderator", "admin"):
        response = await client.request(method, url, headers=await bearer(organiser), **body)
        assert response.status == 200, await response.text()
    missing = await client.request(
        method, "/api/statements/999999/recommendations", headers=speaker, **body
    )
    assert missing.status == 404


async def test_after_the_deadline_only_organisers_change_a_list(
    client: Client, seeded: Seed, bearer: Bearer
) -> None:
    database = client.server.app[DATABASE]
    speaker, moderator = await bearer("speaker"), await bearer("moderator")
    assert (await put_list(client, speaker, seeded.statement_id, LIST))[0] == 200
    before = await get_list(client, speaker, seeded.statement_id)
    await set_statement_deadline(database, seeded.event_id, utcnow() - timedelta(seconds=1))
    status, answer = await put_list(client, speaker, seeded.statement_id, [LIST[0]])
    assert (status, answer["error"]["code"], answer["error"]["field"]) == (
        403,
        "deadline_passed",
        "items",
    )
    withdrawn = await client.delete(
        f"/api/statements/{seeded.statement_id}/recommendations", headers=speaker
    )
    assert withdrawn.status == 403
    assert (await withdrawn.json())["error"]["field"] == "items"
    assert await get_list(client, speaker, seeded.statement_id) == before
    # Reading stays open; an organiser may still correct it; an extension reopens it.
    status, _ = await put_list(client, moderator, seeded.statement_id, [LIST[0]])
    assert status == 200
    until = (utcnow() + timedelta(hours=1)).isoformat()
    extended = await client.put(
        f"/api/statements/{seeded.statement_id}/deadline", json={"until": until}, headers=moderator
    )
    assert extended.status == 200
    assert (await put_list(client, speaker, seeded.statement_id, LIST))[0] == 200


async def test_moderators_review_every_list_delegates_only_approved_ones(
    client: Client, seeded: Seed, bearer: Bearer
) -> None:
    speaker, moderator = await bearer("speaker"), await bearer("moderator")
    assert (await put_list(client, speaker, seeded.statement_id, LIST))[0] == 200
    review = await session_list(client, moderator, seeded.session_id)
    [organisation] = review["organisations"]
    assert organisation["statement"] == seeded.statement_id
    assert organisation["organisation"]["name"] == "Ligue des droits humains"
    assert organisation["review"] == "pending"
    assert [item["text"] for item in organisation["recommendations"]] == [i["text"] for i in LIST]
    assert all(item["intending"] == 0 for item in organisation["recommendations"])
    assert all(item["missions"] == [] for item in organisation["recommendations"])
    for label in ("delegate", "speaker"):
        seen = await session_list(client, await bearer(label), seeded.session_id)
        assert seen["organisations"] == []  # not approved yet
    elsewhere = await client.get(
        f"/api/sessions/{seeded.session_id}/recommendations", headers=await bearer("other_delegate")
    )
    assert elsewhere.status == 403
    assert (await client.get(f"/api/sessions/{seeded.session_id}/recommendations")).status == 401
