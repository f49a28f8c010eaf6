"""Where an approved question goes in the queue: pure functions over ordered lists.

Round-robin by mission (the default): a question's round is how many questions of its
mission were approved before it; it goes after every queued question of the same or an
earlier round, so a mission's second question waits until every other mission's first.
Moderators may still move any question anywhere; later insertions respect their order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Queued:
    question_id: int
    round: int


def insertion_index(queue: Sequence[Queued], new_round: int, *, fifo: bool = False) -> int:
    """The 0-based index at which a question of `new_round` enters `queue`."""
    if fifo:
        return len(queue)
    index = 0
    for position, item in enumerate(queue):
        if item.round <= new_round:
            index = position + 1
    return index


def moved(queue: Sequence[int], question_id: int, position: int) -> list[int]:
    """The queue with `question_id` moved to 1-based `position` (clamped to the queue)."""
    rest = [item for item in queue if item != question_id]
    index = min(max(position, 1), len(rest) + 1) - 1
    return [*rest[:index], question_id, *rest[index:]]
