"""What each audience sees of a question and of an update, without I/O."""

from __future__ import annotations

from typing import Any

from server.live.views import (
    Audience,
    is_public_update,
    personal_authors,
    question_for,
    render_update,
    visible_to,
)

AUTHOR, OTHER = 7, 8


def question(status: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": 1,
        "status": status,
        "text": "Will the State ratify OP-CAT?",
        "original_text": None,
        "author": {"id": AUTHOR, "name": "A. Diplomat"},
        "rejection_reason": None,
        "approved_at": None,
        **extra,
    }


def test_moderators_see_everything() -> None:
    pending = question("pending")
    assert question_for(pending, Audience.MODERATORS, None) == pending


def test_others_never_see_a_pending_question() -> None:
    assert question_for(question("pending"), Audience.PUBLIC, OTHER) is None
    assert question_for(question("pending"), Audience.PUBLIC, None) is None


def test_the_author_sees_their_own_pending_and_rejected_questions() -> None:
    rejected = question("rejected", rejection_reason="Asked already")
    assert question_for(rejected, Audience.PUBLIC, AUTHOR) == rejected


def test_public_questions_hide_the_person_and_private_fields() -> None:
    approved = question("approved", approved_at="t", original_text="first", rejection_reason=None)
    view = question_for(approved, Audience.PUBLIC, OTHER)
    assert view is not None
    assert view["author"] == {"id": AUTHOR}
    assert "original_text" not in view
    assert "rejection_reason" not in view


def test_a_question_leaving_the_queue_becomes_a_tombstone() -> None:
    withdrawn = question("withdrawn", approved_at="t")
    assert question_for(withdrawn, Audience.PUBLIC, OTHER) == {"id": 1, "removed": True}


def update_of(*questions: dict[str, Any], public_previous: int | None) -> dict[str, Any]:
    return {
        "session": 1,
        "version": 5,
        "previous": 4,
        "public_previous": public_previous,
        "kind": "question",
        "questions": list(questions),
    }


def test_a_pending_question_is_not_a_public_update() -> None:
    payload = {"questions": [question("pending")]}
    assert not is_public_update("question", payload)
    assert is_public_update("question", {"questions": [question("approved", approved_at="t")]})
    assert is_public_update("question", {"questions": [question("rejected", approved_at="t")]})
    assert is_public_update("phase", {"phase": "qa"})


def test_each_audience_chains_to_its_previous_version() -> None:
    update = update_of(question("approved", approved_at="t"), public_previous=2)
    assert render_update(update, Audience.MODERATORS)["previous"] == 4
    public = render_update(update, Audience.PUBLIC)
    assert public["previous"] == 2
    assert "public_previous" not in public


def test_the_author_gets_a_personal_view() -> None:
    update = update_of(question("pending"), public_previous=None)
    assert personal_authors(update) == {AUTHOR}
    assert visible_to(update, Audience.PUBLIC, AUTHOR)
    assert not visible_to(update, Audience.PUBLIC, OTHER)
    assert render_update(update, Audience.PUBLIC, OTHER)["questions"] == []
    mine = render_update(update, Audience.PUBLIC, AUTHOR)
    assert mine["questions"][0]["text"] == "Will the State ratify OP-CAT?"
