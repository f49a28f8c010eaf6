"""Values sent by clients, over HTTP and Socket.IO alike: whole numbers and choices.

Ids have their own module (`server.ids`); text has its own rules where it is kept.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import TypeGuard, TypeVar

from server.errors import Invalid

_Choice = TypeVar("_Choice", bound=enum.Enum)


def is_whole_number(value: object) -> TypeGuard[int]:
    """Whether a JSON value is a whole number: an `int`, never a boolean."""
    return isinstance(value, int) and not isinstance(value, bool)


def choice(
    value: object,
    options: Iterable[_Choice],
    name: str,
    *,
    code: str | None = None,
    message: str | None = None,
) -> _Choice:
    """The option whose value `value` is; otherwise `Invalid` listing them (or `message`)."""
    listed = list(options)
    for option in listed:
        if option.value == value:
            return option
    allowed = ", ".join(str(option.value) for option in listed)
    raise Invalid(message or f"'{name}' must be one of: {allowed}.", code=code)
