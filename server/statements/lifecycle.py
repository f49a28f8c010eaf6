"""The statement's media lifecycle as one pure function: no I/O, tested on its own.

    awaiting_upload → uploading → processing → ready | failed

A new upload may start from any state but `processing`'s own upload (a replacement); the
recording already ready stays on screen until the new one is ready.
"""

from __future__ import annotations

import enum

from server.errors import Conflict
from server.models import StatementState as S


class MediaEvent(enum.StrEnum):
    UPLOAD_STARTED = "upload_started"
    UPLOAD_COMPLETED = "upload_completed"
    UPLOAD_ABANDONED = "upload_abandoned"
    TRANSCODED = "transcoded"
    REJECTED = "rejected"
    FAILED = "failed"


_TRANSITIONS: dict[tuple[S, MediaEvent], S] = {
    **{(state, MediaEvent.UPLOAD_STARTED): S.UPLOADING for state in S},
    **{(state, MediaEvent.UPLOAD_COMPLETED): S.PROCESSING for state in S},
    (S.PROCESSING, MediaEvent.TRANSCODED): S.READY,
    (S.PROCESSING, MediaEvent.REJECTED): S.FAILED,
    (S.PROCESSING, MediaEvent.FAILED): S.FAILED,
}


def next_state(current: S, event: MediaEvent, *, has_media: bool = False) -> S:
    """The state after `event`; an event that cannot happen now raises `Conflict`."""
    if event is MediaEvent.UPLOAD_ABANDONED:
        # An expired or cancelled replacement falls back to what was there before.
        if current is not S.UPLOADING:
            return current
        return S.READY if has_media else S.AWAITING_UPLOAD
    try:
        return _TRANSITIONS[(current, event)]
    except KeyError as error:
        raise Conflict(
            f"A statement that is {current.value.replace('_', ' ')} cannot be {event.value}.",
            code="bad_state",
        ) from error
