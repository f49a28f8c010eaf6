"""The question state machine and text cleaning, without I/O."""

from __future__ import annotations

import pytest

from server.errors import Conflict, Invalid
from server.live.questions import Action, clean_text, next_status
from server.models import QuestionStatus as S

ALLOWED = {
    (S.PENDING, Action.APPROVE): S.APPROVED,
    (S.PENDING, Action.REJECT): S.REJECTED,
    (S.APPROVED, Action.REJECT): S.REJECTED,
    (S.APPROVED, Action.ON_AIR): S.ON_AIR,
    (S.ON_AIR, Action.ANSWERED): S.ANSWERED,
    (S.APPROVED, Action.MOVE): S.APPROVED,
    (S.PENDING, Action.EDIT): S.PENDING,
    (S.APPROVED, Action.EDIT): S.APPROVED,
    (S.ON_AIR, Action.EDIT): S.ON_AIR,
    (S.PENDING, Action.WITHDRAW): S.WITHDRAWN,
    (S.APPROVED, Action.WITHDRAW): S.WITHDRAWN,
}


@pytest.mark.parametrize("status", list(S))
@pytest.mark.parametrize("action", list(Action))
def test_every_status_and_action(status: S, action: Action) -> None:
    expected = ALLOWED.get((status, action))
    if expected is None:
        with pytest.raises(Conflict) as caught:
            next_status(status, action)
        assert caught.value.code == "bad_transition"
    else:
        assert next_status(status, action) is expected


def test_final_statuses_are_final() -> None:
    for status in (S.ANSWERED, S.REJECTED, S.WITHDRAWN):
        assert all((status, action) not in ALLOWED for action in Action)


def test_clean_text_removes_controls_and_bidi_overrides() -> None:
    raw = "  \u202eevil\u202c text\u2066 with\x00 a bell\x07\r\n\n\n\nand lines  "
    assert clean_text(raw, field="text", max_length=100) == "evil text with a bell\n\nand lines"


def test_clean_text_keeps_html_as_text() -> None:
    html = "<img src=x onerror=alert(1)> & <b>bold</b>"
    assert clean_text(html, field="text", max_length=100) == html


def test_clean_text_normalises_to_nfc() -> None:
    assert clean_text("Cote d\u2019Ivoire: e\u0301", field="t", max_length=50) == "Cote d’Ivoire: é"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "empty_text"),
        ("   \n\t ", "empty_text"),
        ("\u202e\u202c", "empty_text"),
        ("x" * 11, "text_too_long"),
        (42, "invalid"),
        (None, "invalid"),
    ],
)
def test_clean_text_refuses(raw: object, code: str) -> None:
    with pytest.raises(Invalid) as caught:
        clean_text(raw, field="text", max_length=10)
    assert caught.value.code == code
    assert caught.value.as_dict()["field"] == "text"  # the error names what it is about


def test_length_counts_after_trimming() -> None:
    assert clean_text("  " + "x" * 10 + "  ", field="text", max_length=10) == "x" * 10
