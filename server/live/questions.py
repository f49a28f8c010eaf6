"""The question lifecycle as pure functions: which action moves a question where.

    pending ──approve──▶ approved ──on_air──▶ on_air ──answered──▶ answered
       │                    │
       ├──reject──▶ rejected ◀──reject──┤
       └──withdraw─▶ withdrawn ◀─withdraw┘   (by the author, before it is on air)

`edit` and `move` keep the status. Nothing leaves `answered`, `rejected` or `withdrawn`.
"""

from __future__ import annotations

import enum
import re
import unicodedata

from server.errors import Conflict, Invalid
from server.models import QuestionStatus

MAX_QUESTION_LENGTH = 1000
MAX_REASON_LENGTH = 500
MAX_ANSWER_LENGTH = 2000

# Statuses everyone in the room sees; the others only the author and the moderators see.
PUBLIC = frozenset({QuestionStatus.APPROVED, QuestionStatus.ON_AIR, QuestionStatus.ANSWERED})
OPEN = frozenset({QuestionStatus.PENDING, QuestionStatus.APPROVED})


class Action(enum.StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    ON_AIR = "on_air"
    ANSWERED = "answered"
    MOVE = "move"
    EDIT = "edit"
    WITHDRAW = "withdraw"


_S = QuestionStatus
TRANSITIONS: dict[Action, tuple[frozenset[QuestionStatus], QuestionStatus | None]] = {
    # action: (from, to); None keeps the status
    Action.APPROVE: (frozenset({_S.PENDING}), _S.APPROVED),
    Action.REJECT: (frozenset({_S.PENDING, _S.APPROVED}), _S.REJECTED),
    Action.ON_AIR: (frozenset({_S.APPROVED}), _S.ON_AIR),
    Action.ANSWERED: (frozenset({_S.ON_AIR}), _S.ANSWERED),
    Action.MOVE: (frozenset({_S.APPROVED}), None),
    Action.EDIT: (frozenset({_S.PENDING, _S.APPROVED, _S.ON_AIR}), None),
    Action.WITHDRAW: (frozenset({_S.PENDING, _S.APPROVED}), _S.WITHDRAWN),
}


def next_status(status: QuestionStatus, action: Action) -> QuestionStatus:
    """The status after `action`, or `Conflict` when the action does not apply."""
    sources, target = TRANSITIONS[action]
    if status not in sources:
        raise Conflict(
            f"A question that is {status.value.replace('_', ' ')} cannot be {_past(action)}.",
            code="bad_transition",
        )
    return status if target is None else target


def _past(action: Action) -> str:
    return {
        Action.APPROVE: "approved",
        Action.REJECT: "rejected",
        Action.ON_AIR: "put on air",
        Action.ANSWERED: "marked answered",
        Action.MOVE: "moved",
        Action.EDIT: "edited",
        Action.WITHDRAW: "withdrawn",
    }[action]


# Bidirectional embeddings, overrides and isolates can make text display in another order
# than it is stored (and read), so they are removed; so are the zero-width space, word joiner
# and byte-order mark, which show nothing and mean nothing inside text.
_INVISIBLE = re.compile("[\u202a-\u202e\u2066-\u2069\u200b\u2060\ufeff]")
# The zero-width joiners shape the letters around them (Persian, Indic scripts, emoji), so
# they stay; but text of nothing else is empty.
_NO_JOINERS = str.maketrans("", "", "\u200c\u200d")


def clean_text(raw: object, *, field: str, max_length: int) -> str:
    """Question, answer or reason text: NFC, no control, bidi-override or zero-width
    characters, trimmed."""
    if not isinstance(raw, str):
        raise Invalid(f"'{field}' must be text.", field=field)
    text = unicodedata.normalize("NFC", raw)
    text = _INVISIBLE.sub("", text)
    text = "".join(
        char for char in text if char == "\n" or unicodedata.category(char) not in ("Cc", "Cs")
    )
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    if not text.translate(_NO_JOINERS).strip():
        raise Invalid(f"'{field}' is empty.", code="empty_text", field=field)
    if len(text) > max_length:
        raise Invalid(
            f"'{field}' is {len(text)} characters long; the limit is {max_length}.",
            code="text_too_long",
            field=field,
        )
    return text
