"""Who sees what of the live room: pure functions from the moderators' view to each audience.

Every change is journalled once, as moderators see it, with the next version number.

- Moderators receive every version; each update names the `previous` version (version - 1).
- Speakers and delegates (the public audience) share one filtered rendering, sent only for
  versions that change something they may see. Each such update names the `previous`
  public version, so a client detects a gap when `previous` is newer than what it has,
  without the server sending the whole room a message for every pending question.
- A delegate's own questions that others may not see (pending, rejected, withdrawn) reach
  the author as a `personal` update: an upsert that does not move the client's version.

A client that finds a gap, or reconnects, calls `sync` with the version it has.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import Any

from server.identity.principal import Principal
from server.live.questions import PUBLIC
from server.models import QuestionStatus, Role

QuestionView = dict[str, Any]

# Fields of a question that only moderators and its author see.
_PRIVATE_FIELDS = ("rejection_reason", "original_text")


class Audience(enum.StrEnum):
    MODERATORS = "moderators"
    PUBLIC = "public"  # speakers and delegates


def audience_of(role: Role) -> Audience:
    return Audience.MODERATORS if role in (Role.ADMIN, Role.MODERATOR) else Audience.PUBLIC


def is_public(question: QuestionView) -> bool:
    return QuestionStatus(question["status"]) in PUBLIC


def question_for(
    question: QuestionView, audience: Audience, viewer_id: int | None
) -> QuestionView | None:
    """The question as this viewer sees it; a tombstone; or None when it is not theirs to see."""
    if audience is Audience.MODERATORS:
        return question
    if is_public(question):
        public = {key: value for key, value in question.items() if key not in _PRIVATE_FIELDS}
        public["author"] = {"id": question["author"]["id"]}  # the mission speaks, not the person
        return public
    if viewer_id is not None and question["author"]["id"] == viewer_id:
        return question
    if question.get("approved_at") is not None:
        return {"id": question["id"], "removed": True}  # it left the public queue
    return None


def is_public_update(kind: str, payload: Mapping[str, Any]) -> bool:
    """Whether speakers and delegates see anything of this change."""
    if kind != "question":
        return True
    return any(question_for(q, Audience.PUBLIC, None) for q in payload.get("questions", ()))


def render_update(
    update: Mapping[str, Any], audience: Audience, viewer_id: int | None = None
) -> dict[str, Any]:
    """One journalled update as `audience` (and, when given, this viewer) receives it.

    `update` carries `previous` (the version before it) and `public_previous` (the public
    version before it, None when the public audience does not see it).
    """
    rendered = {
        key: value for key, value in update.items() if key not in ("questions", "public_previous")
    }
    if audience is Audience.PUBLIC:
        rendered["previous"] = update["public_previous"]
    if "questions" in update:
        rendered["questions"] = _visible(update["questions"], audience, viewer_id)
    return rendered


def personal_authors(update: Mapping[str, Any]) -> set[int]:
    """Authors who see something of this update that the other delegates do not."""
    return {
        question["author"]["id"]
        for question in update.get("questions", ())
        if not is_public(question)
    }


def visible_to(update: Mapping[str, Any], audience: Audience, viewer_id: int | None) -> bool:
    """Whether a journalled update has anything for this viewer (for `sync`)."""
    if audience is Audience.MODERATORS or update["public_previous"] is not None:
        return True
    return viewer_id is not None and viewer_id in personal_authors(update)


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


def shown_to(view: QuestionView, principal: Principal) -> QuestionView:
    """A question as its caller sees it (at least its id)."""
    shown = question_for(view, audience_of(principal.role), principal.person_id)
    return shown if shown is not None else {"id": view["id"]}
