"""The live room's wire payloads parsed into commands: one parser each, one error style."""

from __future__ import annotations

from typing import Any

import pytest

from server.errors import Invalid
from server.live import commands
from server.live.questions import Action
from server.models import Phase
from server.wire import is_whole_number


def refused(parse: Any, data: dict[str, Any]) -> Invalid:
    with pytest.raises(Invalid) as caught:
        parse(data)
    return caught.value


def test_ask() -> None:
    ask = commands.parse_ask({"session": 3, "client_id": "a.1", "text": " Why? ", "to": 7})
    assert ask == commands.Ask(session=3, client_id="a.1", text="Why?", to=7)
    assert commands.parse_ask({"session": 3, "client_id": "a", "text": "Why?"}).to is None


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"client_id": "a", "text": "Why?"}, "invalid"),
        ({"session": True, "client_id": "a", "text": "Why?"}, "invalid"),
        ({"session": 3, "client_id": "a b", "text": "Why?"}, "bad_client_id"),
        ({"session": 3, "client_id": "a", "text": "  "}, "empty_text"),
        ({"session": 3, "client_id": "a", "text": "Why?", "to": 0}, "bad_addressee"),
        ({"session": 3, "client_id": "a", "text": "Why?", "to": "7"}, "invalid"),
    ],
)
def test_ask_refused(data: dict[str, Any], code: str) -> None:
    assert refused(commands.parse_ask, data).code == code


def test_moderate_carries_what_each_action_needs() -> None:
    assert commands.parse_moderate({"question": 1, "action": "approve"}) == commands.Moderate(
        1, Action.APPROVE
    )
    reject = commands.parse_moderate({"question": 1, "action": "reject", "reason": "Off topic"})
    assert reject.reason == "Off topic"
    assert commands.parse_moderate({"question": 1, "action": "move", "position": 2}).position == 2
    assert commands.parse_moderate({"question": 1, "action": "edit", "text": "New"}).text == "New"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"question": 1, "action": "withdraw"}, "bad_action"),
        ({"question": 1, "action": 3}, "bad_action"),
        ({"question": "1", "action": "approve"}, "invalid"),
        ({"question": 1, "action": "reject"}, "invalid"),
        ({"question": 1, "action": "move", "position": True}, "invalid"),
        ({"question": 1, "action": "move", "position": 0}, "invalid"),
        ({"question": 1, "action": "edit", "text": ""}, "empty_text"),
    ],
)
def test_moderate_refused(data: dict[str, Any], code: str) -> None:
    assert refused(commands.parse_moderate, data).code == code


def test_answer_phase_and_screening() -> None:
    assert commands.parse_answer({"question": 4, "text": "Yes."}) == commands.Answer(4, "Yes.")
    assert commands.parse_phase({"session": 2, "phase": "qa"}) == commands.Phase(2, Phase.QA)
    assert refused(commands.parse_phase, {"session": 2, "phase": "later"}).code == "bad_phase"
    seek = commands.parse_screening({"session": 2, "action": "seek", "position": 5})
    assert seek == commands.Screening(2, "seek", 5.0, None)
    goto = commands.parse_screening({"session": 2, "action": "goto", "item": 9})
    assert goto.item == 9
    assert refused(commands.parse_screening, {"session": 2, "action": "seek"}).code == "invalid"
    assert refused(commands.parse_screening, {"session": 2, "action": "stop"}).code == "bad_action"


def test_whole_number_is_never_a_boolean() -> None:
    assert is_whole_number(0)
    assert not is_whole_number(True)
    assert not is_whole_number(1.0)
