"""Who sees what of the live room: pure functions from the moderators' view to each audience.

Every change is journalled once, as moderators see it. Speakers and delegates receive a
filtered rendering of the same version: questions they may not see are left out, questions
that leave the public queue become tombstones (`{"id", "removed": true}`). So every audience
receives every version number and can tell a gap from a change it may not see.

A delegate's own questions that others may not see (pending, rejected, withdrawn) reach the
author as a second, `personal` rendering of the same version.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import Any

from server.live.questions import PUBLIC
from server.models import QuestionStatus, Role

QuestionView = dict[str, Any]

# Fields of a question that only moderators and its author see.
_PRIVATE_FIELDS = ("rejection_reason", "original_text")


class Audience(enum.StrEnum):
    MODERATORS = "moderators"
    PANEL_AND_FLOOR = "public"  # speakers and delegates


def audience_of(role: Role) -> Audience:
    return Audience.MODERATORS if role in (Role.ADMIN, Role.MODERATOR) else Audience.PANEL_AND_FLOOR


def is_public(question: QuestionView) -> bool:
    return QuestionStatus(question["status"]) in PUBLIC


def question_for(
    question: QuestionView, audience: Audience, viewer_id: int | None
) -> QuestionView | None:
    """The question as this viewer sees it; a tombstone; or None when it is not theirs to see."""
    if audience is Audience.MODERATORS:
        return question
    own = viewer_id is not None and question["author"]["id"] == viewer_id
    if is_public(question):
        public = {key: value for key, value in question.items() if key not in _PRIVATE_FIELDS}
        public["author"] = {"id": question["author"]["id"]}  # the mission speaks, not the person
        return public
    if own:
        return question
    if question.get("approved_at") is not None:
        return {"id": question["id"], "removed": True}  # it left the public queue
    return None


def render_update(
    update: Mapping[str, Any], audience: Audience, viewer_id: int | None = None
) -> dict[str, Any]:
    """One journalled update as `audience` (and, when given, this viewer) receives it."""
    rendered = {key: value for key, value in update.items() if key != "questions"}
    if "questions" in update:
        rendered["questions"] = _visible(update["questions"], audience, viewer_id)
    return rendered


def personal_authors(update: Mapping[str, Any]) -> set[int]:
    """Authors whose own view of this update differs from what the other delegates get."""
    return {
        question["author"]["id"]
        for question in update.get("questions", ())
        if not is_public(question)
    }


def snapshot_questions(
    questions: Iterable[QuestionView], audience: Audience, viewer_id: int | None
) -> list[QuestionView]:
    return [
        view
        for view in (question_for(q, audience, viewer_id) for q in questions)
        if view is not None and not view.get("removed")
    ]


def _visible(
    questions: Iterable[QuestionView], audience: Audience, viewer_id: int | None
) -> list[QuestionView]:
    return [
        view
        for view in (question_for(q, audience, viewer_id) for q in questions)
        if view is not None
    ]
