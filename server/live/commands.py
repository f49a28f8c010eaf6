"""The live room's commands: each wire payload parsed once, at the edge, into a frozen value.

The namespace parses; the room acts on values whose every field is already checked. Fields
are checked in the order a client reads its errors: the session or question first, then what
is done with it. Every refusal is an `Invalid` with the code a client can act on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from server.errors import Invalid
from server.ids import is_id
from server.live.questions import (
    MAX_ANSWER_LENGTH,
    MAX_QUESTION_LENGTH,
    MAX_REASON_LENGTH,
    Action,
    clean_text,
)
from server.models import Phase as SessionPhase
from server.wire import choice, is_whole_number

Payload = dict[str, Any]
SCREENING_ACTIONS = ("play", "pause", "seek", "goto")
MODERATOR_ACTIONS = tuple(action for action in Action if action is not Action.WITHDRAW)
_CLIENT_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
_LONGEST_POSITION = 86_400.0


@dataclass(frozen=True)
class Ask:
    session: int
    client_id: str  # the client's idempotency key
    text: str
    to: int | None  # a statement, or None for the whole panel


@dataclass(frozen=True)
class Moderate:
    question: int
    action: Action
    reason: str | None = None  # reject
    position: int | None = None  # move: the place in the queue, from 1
    text: str | None = None  # edit


@dataclass(frozen=True)
class Answer:
    question: int
    text: str


@dataclass(frozen=True)
class Phase:
    session: int
    phase: SessionPhase


@dataclass(frozen=True)
class Screening:
    session: int
    action: str  # one of SCREENING_ACTIONS
    position: float | None  # seconds; required by `seek`
    item: int | None  # `goto`: the statement (checked against the session by the room)


def session_id(data: Payload) -> int:
    session = data.get("session")
    if not is_id(session):
        raise Invalid("'session' is a session id.")
    return session


def question_id(data: Payload) -> int:
    question = data.get("question")
    if not is_id(question):
        raise Invalid("'question' is a question id.")
    return question


def parse_ask(data: Payload) -> Ask:
    session = session_id(data)
    client_id = data.get("client_id")
    if not isinstance(client_id, str) or not _CLIENT_ID.fullmatch(client_id):
        raise Invalid("'client_id' must be 1–64 letters, digits or . _ : -", code="bad_client_id")
    text = clean_text(data.get("text"), field="text", max_length=MAX_QUESTION_LENGTH)
    to = data.get("to")
    if to is not None and not is_id(to):
        # A whole number names no speaker of the panel; anything else is no id at all.
        raise Invalid(
            "'to' is a statement id, or null for the whole panel.",
            code="bad_addressee" if type(to) is int else "invalid",
        )
    return Ask(session, client_id, text, to)


def parse_moderate(data: Payload) -> Moderate:
    action = choice(data.get("action"), MODERATOR_ACTIONS, "action", code="bad_action")
    question = question_id(data)
    if action is Action.REJECT:
        reason = clean_text(data.get("reason"), field="reason", max_length=MAX_REASON_LENGTH)
        return Moderate(question, action, reason=reason)
    if action is Action.MOVE:
        position = data.get("position")
        if not is_whole_number(position) or position < 1:
            raise Invalid("'position' is the place in the queue, from 1.")
        return Moderate(question, action, position=position)
    if action is Action.EDIT:
        text = clean_text(data.get("text"), field="text", max_length=MAX_QUESTION_LENGTH)
        return Moderate(question, action, text=text)
    return Moderate(question, action)


def parse_answer(data: Payload) -> Answer:
    text = clean_text(data.get("text"), field="text", max_length=MAX_ANSWER_LENGTH)
    return Answer(question_id(data), text)


def parse_phase(data: Payload) -> Phase:
    session = session_id(data)
    return Phase(session, choice(data.get("phase"), SessionPhase, "phase", code="bad_phase"))


def parse_screening(data: Payload) -> Screening:
    session = session_id(data)
    action = data.get("action")
    if not isinstance(action, str) or action not in SCREENING_ACTIONS:
        raise Invalid(
            f"'action' must be one of: {', '.join(SCREENING_ACTIONS)}.", code="bad_action"
        )
    position = data.get("position")
    if position is not None and (
        not isinstance(position, int | float)
        or isinstance(position, bool)
        or not 0 <= position < _LONGEST_POSITION
    ):
        raise Invalid("'position' is a number of seconds from 0.")
    if action == "seek" and position is None:
        raise Invalid("'seek' needs a 'position'.")
    item = data.get("item")
    return Screening(
        session,
        action,
        None if position is None else float(position),
        item if is_id(item) else None,
    )
