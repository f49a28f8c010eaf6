"""What each audience sees of a question and of an update, without I/O."""

from __future__ import annotations

from typing import Any

from server.live.views import Audience, personal_authors, question_for, render_update

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
    assert question_for(question("pending"), Audience.PANEL_AND_FLOOR, OTHER) is None
    assert question_for(question("pending"), Audience.PANEL_AND_FLOOR, None) is None


def test_the_author_sees_their_own_pending_and_rejected_questions() -> None:
    rejected = question("rejected", rejection_reason="Asked already")
    assert question_for(rejected, Audience.PANEL_AND_FLOOR, AUTHOR) == rejected


def test_public_questions_hide_the_person_and_private_fields() -> None:
    approved = question("approved", approved_at="t", original_text="first", rejection_reason=None)
    view = question_for(approved, Audience.PANEL_AND_FLOOR, OTHER)
    assert view is not None
    assert view["author"] == {"id": AUTHOR}
    assert "original_text" not in view
    assert "rejection_reason" not in view


def test_a_question_leaving_the_queue_becomes_a_tombstone() -> None:
    withdrawn = question("withdrawn", approved_at="t")
    assert question_for(withdrawn, Audience.PANEL_AND_FLOOR, OTHER) == {"id": 1, "removed": True}


def test_every_audience_gets_every_version() -> None:
    update = {
        "session": 1,
        "version": 5,
        "kind": "question",
        "questions": [question("pending")],
        "queue": [],
        "on_air": None,
    }
    public = render_update(update, Audience.PANEL_AND_FLOOR)
    assert public["version"] == 5
    assert public["questions"] == []
    assert personal_authors(update) == {AUTHOR}
    mine = render_update(update, Audience.PANEL_AND_FLOOR, AUTHOR)
    assert mine["questions"][0]["text"] == "Will the State ratify OP-CAT?"
