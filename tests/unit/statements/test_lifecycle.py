"""The statement's media lifecycle, as a pure function."""

from __future__ import annotations

import pytest

from server.errors import Conflict
from server.models import StatementState as S
from server.statements.lifecycle import MediaEvent as E
from server.statements.lifecycle import next_state


def test_the_happy_path() -> None:
    state = S.AWAITING_UPLOAD
    for event, expected in [
        (E.UPLOAD_STARTED, S.UPLOADING),
        (E.UPLOAD_COMPLETED, S.PROCESSING),
        (E.TRANSCODED, S.READY),
    ]:
        state = next_state(state, event)
        assert state is expected


def test_refusal_and_failure_end_in_failed() -> None:
    assert next_state(S.PROCESSING, E.REJECTED) is S.FAILED
    assert next_state(S.PROCESSING, E.FAILED) is S.FAILED


def test_a_replacement_can_start_from_any_state() -> None:
    for state in S:
        assert next_state(state, E.UPLOAD_STARTED) is S.UPLOADING


def test_an_outcome_during_a_newer_upload_keeps_it_uploading() -> None:
    for event in (E.TRANSCODED, E.REJECTED, E.FAILED):
        assert next_state(S.UPLOADING, event) is S.UPLOADING


def test_an_abandoned_replacement_falls_back() -> None:
    assert next_state(S.UPLOADING, E.UPLOAD_ABANDONED, has_media=True) is S.READY
    assert next_state(S.UPLOADING, E.UPLOAD_ABANDONED) is S.AWAITING_UPLOAD
    assert next_state(S.PROCESSING, E.UPLOAD_ABANDONED) is S.PROCESSING


@pytest.mark.parametrize(
    ("state", "event"), [(S.AWAITING_UPLOAD, E.TRANSCODED), (S.READY, E.REJECTED)]
)
def test_impossible_events_are_conflicts(state: S, event: E) -> None:
    with pytest.raises(Conflict):
        next_state(state, event)
