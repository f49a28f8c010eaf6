"""A speaker's list of recommendations as sent, checked field by field before anything is
stored. Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from server.errors import Invalid
from server.ids import is_id
from server.live.questions import clean_text
from server.recommendations.themes import THEMES

MAX_RECOMMENDATIONS = 10
MAX_TEXT_LENGTH = 600
MAX_PREVIOUS_LENGTH = 40


@dataclass(frozen=True)
class RecommendationInput:
    id: int | None  # an existing recommendation of this statement, kept (with its marks)
    text: str
    theme: str
    previous: str | None


def parse_items(raw: object) -> list[RecommendationInput]:
    """`[{"id"?, "text", "theme", "previous"?}, ...]`: 1 to 10 items; each error names its
    field, as in `items[2].text` (counted from 0)."""
    if not isinstance(raw, list):
        raise Invalid("'items' must be a list of recommendations.", field="items")
    if not raw:
        raise Invalid("Give at least one recommendation.", code="no_items", field="items")
    if len(raw) > MAX_RECOMMENDATIONS:
        raise Invalid(
            f"{len(raw)} recommendations; the limit is {MAX_RECOMMENDATIONS}.",
            code="too_many",
            field="items",
        )
    items = [_item(entry, f"items[{index}]") for index, entry in enumerate(raw)]
    kept = [item.id for item in items if item.id is not None]
    if len(kept) != len(set(kept)):
        index = next(
            i for i, item in enumerate(items) if item.id is not None and kept.count(item.id) > 1
        )
        raise Invalid(
            "The same recommendation is listed twice.", code="duplicate", field=f"items[{index}].id"
        )
    return items


def _item(entry: object, path: str) -> RecommendationInput:
    if not isinstance(entry, dict):
        raise Invalid(f"'{path}' must be an object.", field=path)
    return RecommendationInput(
        id=_id(entry, path),
        text=clean_text(entry.get("text"), field=f"{path}.text", max_length=MAX_TEXT_LENGTH),
        theme=_theme(entry.get("theme"), f"{path}.theme"),
        previous=_previous(entry.get("previous"), f"{path}.previous"),
    )


def _id(entry: dict[str, Any], path: str) -> int | None:
    raw = entry.get("id")
    if raw is None:
        return None
    if not is_id(raw):
        raise Invalid(f"'{path}.id' must be a recommendation id.", field=f"{path}.id")
    return raw


def _theme(raw: object, field: str) -> str:
    if not isinstance(raw, str) or raw not in THEMES:
        raise Invalid(
            f"'{field}' must be one of the UPR themes: {', '.join(THEMES)}.",
            code="unknown_theme",
            field=field,
        )
    return raw


def _previous(raw: object, field: str) -> str | None:
    """Optional: absent, null, blank or nothing once cleaned is none. A reference is one line:
    line breaks and runs of spaces are folded to one space."""
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise Invalid(f"'{field}' must be text.", field=field)
    try:
        text = clean_text(" ".join(raw.split()), field=field, max_length=MAX_PREVIOUS_LENGTH)
    except Invalid as error:
        if error.code == "empty_text":
            return None
        raise
    return " ".join(text.split())
