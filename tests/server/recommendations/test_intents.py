"""Delegates mark the recommendations their mission intends to raise: per mission, idempotent,
and seen by each role as it may (through the real app, with a really approved statement)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from server.keys import DATABASE, IDENTITY
from server.models import Phase
from tests.clips import Clips
from tests.factories import Seed
from tests.server.recommendations.helpers import (
    LIST,
    Client,
    another_delegate,
    approved,
    put_list,
    session_list,
    set_phase,
    sign_in,
)

Bearer = Callable[[str], Awaitable[dict[str, str]]]


async def intent(client: Client, method: str, headers: dict[str, str], item: int) -> Any:
    response = await client.request(method, f"/api/recommendations/{item}/intent", headers=headers)
    return response.status, await response.json()


def recommendations(listing: dict[str, Any]) -> list[dict[str, Any]]:
    return [item for group in listing["organisations"] for item in group["recommendations"]]


async def test_a_mission_marks_once_and_each_role_sees_what_it_may(
    client: Client, seeded: Seed, bearer: Bearer, clips: Clips
) -> None:
    app = client.server.app
    speaker, moderator, delegate = [
        await bearer(role) for role in ("speaker", "moderator", "delegate")
    ]
    _, saved = await put_list(client, speaker, seeded.statement_id, LIST)
    first, second = (item["id"] for item in saved["items"])
    await approved(client, speaker, moderator, seeded.statement_id, clips)
    colleague = await sign_in(
        client, await another_delegate(app[DATABASE], app[IDENTITY], seeded, "FR")
    )
    brazil = await sign_in(
        client, await another_delegate(app[DATABASE], app[IDENTITY], seeded, "BR")
    )

    listing = await session_list(client, delegate, seeded.session_id)
    [group] = listing["organisations"]
    assert group["organisation"]["name"] == "Ligue des droits humains"
    assert [item["ours"] for item in group["recommendations"]] == [False, False]
    assert all(
        "missions" not in item and "intending" not in item for item in recommendations(listing)
    )

    # Twice by one delegate, once by a colleague of the same mission: one mark.
    for headers in (delegate, delegate, colleague):
        assert await intent(client, "PUT", headers, first) == (
            200,
            {"recommendation": first, "ours": True},
        )
    assert (await intent(client, "PUT", brazil, first))[0] == 200
    assert [
        i["ours"] for i in recommendations(await session_list(client, colleague, seeded.session_id))
    ] == [True, False]
    assert [
        i["ours"] for i in recommendations(await session_list(client, brazil, seeded.session_id))
    ] == [True, False]

    organisers = recommendations(await session_list(client, moderator, seeded.session_id))
    assert organisers[0]["intending"] == 2
    assert organisers[0]["missions"] == [
        {"country": "BR", "name": organisers[0]["missions"][0]["name"]},
        {"country": "FR", "name": organisers[0]["missions"][1]["name"]},
    ]
    assert (organisers[1]["intending"], organisers[1]["missions"]) == (0, [])

    # Speakers see no counts while the session runs, then the count per recommendation.
    during = recommendations(await session_list(client, speaker, seeded.session_id))
    assert [item["intending"] for item in during] == [None, None]
    assert all("missions" not in item and "ours" not in item for item in during)
    await set_phase(app[DATABASE], seeded.session_id, Phase.CLOSED)
    after = recommendations(await session_list(client, speaker, seeded.session_id))
    assert [item["intending"] for item in after] == [2, 0]

    # Taking it back: by any delegate of the mission, idempotent.
    for headers in (colleague, delegate):
        assert await intent(client, "DELETE", headers, first) == (
            200,
            {"recommendation": first, "ours": False},
        )
    organisers = recommendations(await session_list(client, moderator, seeded.session_id))
    assert [m["country"] for m in organisers[0]["missions"]] == ["BR"]
    assert second == organisers[1]["id"]


async def test_only_delegates_who_can_see_it_mark_a_recommendation(
    client: Client, seeded: Seed, bearer: Bearer, clips: Clips
) -> None:
    speaker, moderator, delegate = [
        await bearer(role) for role in ("speaker", "moderator", "delegate")
    ]
    _, saved = await put_list(client, speaker, seeded.statement_id, LIST)
    first = saved["items"][0]["id"]
    # Not approved yet: hidden from delegates, so not theirs to mark.
    status, answer = await intent(client, "PUT", delegate, first)
    assert (status, answer["error"]["code"]) == (404, "not_found")
    await approved(client, speaker, moderator, seeded.statement_id, clips)
    for label in ("speaker", "moderator", "admin"):
        status, answer = await intent(client, "PUT", await bearer(label), first)
        assert (status, answer["error"]["code"]) == (403, "forbidden")
    assert (await client.put(f"/api/recommendations/{first}/intent")).status == 401
    # A delegate of another session, a recommendation that does not exist, an id out of range.
    assert (await intent(client, "PUT", await bearer("other_delegate"), first))[0] == 404
    assert (await intent(client, "PUT", delegate, 999999))[0] == 404
    assert (await intent(client, "PUT", delegate, 2**40))[0] == 404
    organisers = recommendations(await session_list(client, moderator, seeded.session_id))
    assert [item["intending"] for item in organisers] == [0, 0]


async def review(client: Client, moderator: dict[str, str], statement_id: int, **body: str) -> None:
    response = await client.post(
        f"/api/statements/{statement_id}/review", json=body, headers=moderator
    )
    assert response.status == 200, await response.text()


async def test_a_change_after_approval_goes_back_to_review_while_the_approved_list_stays(
    client: Client, seeded: Seed, bearer: Bearer, clips: Clips
) -> None:
    speaker, moderator, delegate = [
        await bearer(role) for role in ("speaker", "moderator", "delegate")
    ]
    _, saved = await put_list(client, speaker, seeded.statement_id, LIST)
    first, second = (item["id"] for item in saved["items"])
    await approved(client, speaker, moderator, seeded.statement_id, clips)
    assert (await intent(client, "PUT", delegate, first))[0] == 200

    # Saving the same list again is no change.
    kept = [{**item, "id": saved["items"][index]["id"]} for index, item in enumerate(LIST)]
    assert (await put_list(client, speaker, seeded.statement_id, kept))[0] == 200
    assert len(recommendations(await session_list(client, delegate, seeded.session_id))) == 2

    edited = [{**kept[0], "text": "Ratify OP-CAT by 2028."}]
    assert (await put_list(client, speaker, seeded.statement_id, edited))[0] == 200
    statement = await (
        await client.get(f"/api/statements/{seeded.statement_id}", headers=speaker)
    ).json()
    assert statement["review"] == "pending"
    assert statement["on_screen"] is not None  # the approved recording stays on screen
    # Delegates still see the list as approved, and may still mark it, the item taken off the
    # draft included; the speaker and the moderators see the draft.
    [group] = (await session_list(client, delegate, seeded.session_id))["organisations"]
    assert group["review"] == "pending"
    assert [(i["id"], i["text"], i["ours"]) for i in group["recommendations"]] == [
        (first, LIST[0]["text"], True),
        (second, LIST[1]["text"], False),
    ]
    assert (await intent(client, "PUT", delegate, second))[0] == 200
    draft = await (
        await client.get(f"/api/statements/{seeded.statement_id}/recommendations", headers=speaker)
    ).json()
    assert [(i["id"], i["text"]) for i in draft["items"]] == [(first, "Ratify OP-CAT by 2028.")]
    [under_review] = recommendations(await session_list(client, moderator, seeded.session_id))
    assert (under_review["text"], under_review["intending"]) == ("Ratify OP-CAT by 2028.", 1)

    # Approved: the rewritten item is no longer the one the mission marked, and the one taken
    # off the list goes, with its mark.
    await review(client, moderator, seeded.statement_id, action="approve")
    [seen] = recommendations(await session_list(client, delegate, seeded.session_id))
    assert (seen["id"], seen["text"], seen["ours"]) == (first, "Ratify OP-CAT by 2028.", False)
    assert (await intent(client, "PUT", delegate, second))[0] == 404


async def test_marks_stay_on_a_moved_item_and_go_from_one_with_a_new_theme(
    client: Client, seeded: Seed, bearer: Bearer, clips: Clips
) -> None:
    speaker, moderator, delegate = [
        await bearer(role) for role in ("speaker", "moderator", "delegate")
    ]
    _, saved = await put_list(client, speaker, seeded.statement_id, LIST)
    first, second = (item["id"] for item in saved["items"])
    await approved(client, speaker, moderator, seeded.statement_id, clips)
    for item in (first, second):
        assert (await intent(client, "PUT", delegate, item))[0] == 200
    # The second first, its reference to the previous cycle dropped; the first on a new theme.
    moved = [
        {"id": second, "text": LIST[1]["text"], "theme": LIST[1]["theme"]},
        {"id": first, "text": LIST[0]["text"], "theme": "death_penalty"},
    ]
    assert (await put_list(client, speaker, seeded.statement_id, moved))[0] == 200
    await review(client, moderator, seeded.statement_id, action="approve")
    seen = recommendations(await session_list(client, delegate, seeded.session_id))
    assert [(i["id"], i["position"], i["theme"], i["ours"]) for i in seen] == [
        (second, 1, LIST[1]["theme"], True),
        (first, 2, "death_penalty", False),
    ]


async def test_a_rejected_statement_shows_no_list_and_its_marks_go(
    client: Client, seeded: Seed, bearer: Bearer, clips: Clips
) -> None:
    speaker, moderator, delegate = [
        await bearer(role) for role in ("speaker", "moderator", "delegate")
    ]
    _, saved = await put_list(client, speaker, seeded.statement_id, LIST)
    first = saved["items"][0]["id"]
    await approved(client, speaker, moderator, seeded.statement_id, clips)
    assert (await intent(client, "PUT", delegate, first))[0] == 200
    await review(client, moderator, seeded.statement_id, action="reject", reason="Off topic.")
    assert (await session_list(client, delegate, seeded.session_id))["organisations"] == []
    assert (await intent(client, "PUT", delegate, first))[0] == 404
    await review(client, moderator, seeded.statement_id, action="approve")
    seen = recommendations(await session_list(client, delegate, seeded.session_id))
    assert [i["ours"] for i in seen] == [False, False]
