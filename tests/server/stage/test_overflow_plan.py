"""Whose sound and whose picture the overflow carries, and when the WebRTC viewers are full:
pure, without Janus."""

from __future__ import annotations

from typing import Any

from server.stage.overflow import Plan, plan


def entry(feed: int, person: int, role: str, mission: int | None = None, **more: Any) -> Any:
    return {
        "feed": feed,
        "person": person,
        "role": role,
        "mission": None if mission is None else {"id": mission},
        "muted": False,
        **more,
    }


SPEAKER_A = entry(11, 1, "speaker")
SPEAKER_B = entry(12, 2, "speaker")
DELEGATE = entry(13, 3, "delegate", mission=7)
MODERATOR = entry(14, 4, "moderator")


def test_the_floor_then_the_addressed_speaker_then_the_first_speaker() -> None:
    stage = [SPEAKER_A, SPEAKER_B, DELEGATE]
    assert plan(stage, 7, 2) == Plan((11, 12, 13), 13)
    assert plan(stage, None, 2) == Plan((11, 12, 13), 12)
    assert plan(stage, 8, None) == Plan((11, 12, 13), 11)
    assert plan([MODERATOR], None, None) == Plan((14,), 14)
    assert plan([], 7, 2) == Plan((), None)


def test_the_muted_are_not_heard_but_may_be_seen() -> None:
    muted = {**SPEAKER_A, "muted": True}
    chosen = plan([muted, DELEGATE], None, None)
    assert chosen == Plan((13,), 11)
    assert chosen.feeds == (13, 11)
