"""A speaker's list as sent: every rule, and the field each error names."""

from __future__ import annotations

from typing import Any

import pytest

from server.errors import Invalid
from server.recommendations.rules import RecommendationInput, parse_items
from server.recommendations.themes import THEMES


def one(**fields: Any) -> dict[str, Any]:
    return {"text": "Ratify OP-CAT.", "theme": "torture", **fields}


def test_a_list_is_read_in_order_and_cleaned() -> None:
    items = parse_items(
        [
            one(text="  Repeal the \u202econtempt of court\u202c law. \u200b "),
            one(id=7, theme="womens_rights", previous=" 115.23 "),
            one(previous="  "),
        ]
    )
    assert items == [
        RecommendationInput(None, "Repeal the contempt of court law.", "torture", None),
        RecommendationInput(7, "Ratify OP-CAT.", "womens_rights", "115.23"),
        RecommendationInput(None, "Ratify OP-CAT.", "torture", None),
    ]


def test_a_previous_reference_is_one_line_and_one_that_cleans_to_nothing_is_none() -> None:
    items = parse_items(
        [
            one(previous="115.23\n and\r\n115.24"),
            one(previous="\u200b\u202e \n"),
            one(previous="115.\u200b23 \u200b 7"),
        ]
    )
    assert [item.previous for item in items] == ["115.23 and 115.24", None, "115.23 7"]


def test_every_theme_is_accepted_and_ten_items_are_enough() -> None:
    assert [
        item.theme for item in parse_items([one(theme=theme) for theme in list(THEMES)[:10]])
    ] == list(list(THEMES)[:10])
    assert len(THEMES) == len(set(THEMES)) >= 15


def test_six_hundred_characters_fit() -> None:
    assert len(parse_items([one(text="x" * 600)])[0].text) == 600


@pytest.mark.parametrize(
    ("raw", "code", "field"),
    [
        (None, "invalid", "items"),
        ({"text": "x"}, "invalid", "items"),
        ([], "no_items", "items"),
        ([one() for _ in range(11)], "too_many", "items"),
        ([one(), "Ratify OP-CAT."], "invalid", "items[1]"),
        ([one(), one(text=None)], "invalid", "items[1].text"),
        ([one(text=12)], "invalid", "items[0].text"),
        ([one(), one(), one(text=" \u200b\u202e ")], "empty_text", "items[2].text"),
        ([one(text="x" * 601)], "text_too_long", "items[0].text"),
        ([one(theme="human_rights")], "unknown_theme", "items[0].theme"),
        ([one(theme=None)], "unknown_theme", "items[0].theme"),
        ([one(theme=["torture"])], "unknown_theme", "items[0].theme"),
        ([one(previous="1" * 41)], "text_too_long", "items[0].previous"),
        ([one(previous=115.23)], "invalid", "items[0].previous"),
        ([one(id=0)], "invalid", "items[0].id"),
        ([one(id=True)], "invalid", "items[0].id"),
        ([one(id="3")], "invalid", "items[0].id"),
        ([one(id=2**31)], "invalid", "items[0].id"),
        ([one(id=3), one(), one(id=3)], "duplicate", "items[0].id"),
    ],
)
def test_bad_input_names_its_field(raw: object, code: str, field: str) -> None:
    with pytest.raises(Invalid) as refused:
        parse_items(raw)
    assert (refused.value.code, refused.value.field) == (code, field)
    assert refused.value.message
