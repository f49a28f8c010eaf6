"""Round-robin fairness and moves, without I/O."""

from __future__ import annotations

from server.live.queue import Queued, insertion_index, moved


def approve_in_order(missions: list[str], *, fifo: bool = False) -> list[str]:
    """Approve questions of these missions in this order; the resulting queue."""
    queue: list[Queued] = []
    labels: dict[int, str] = {}
    approved: dict[str, int] = {}
    for number, mission in enumerate(missions, start=1):
        round_ = approved.get(mission, 0)
        approved[mission] = round_ + 1
        queue.insert(insertion_index(queue, round_, fifo=fifo), Queued(number, round_))
        labels[number] = f"{mission}{round_ + 1}"
    return [labels[item.question_id] for item in queue]


def test_one_mission_cannot_crowd_the_queue() -> None:
    order = approve_in_order(["FR", "FR", "FR", "BR", "JP", "BR"])
    assert order == ["FR1", "BR1", "JP1", "FR2", "BR2", "FR3"]


def test_a_late_first_question_goes_before_second_ones() -> None:
    order = approve_in_order(["FR", "BR", "FR", "BR", "JP"])
    assert order == ["FR1", "BR1", "JP1", "FR2", "BR2"]


def test_fifo_keeps_approval_order() -> None:
    assert approve_in_order(["FR", "FR", "BR"], fifo=True) == ["FR1", "FR2", "BR1"]


def test_insertion_respects_a_moderators_move() -> None:
    # The moderator moved BR's second question (round 1) to the front.
    queue = [Queued(3, 1), Queued(1, 0), Queued(2, 0)]
    assert insertion_index(queue, 0) == 3  # a new first question: after the last round-0 item
    assert insertion_index(queue, 1) == 3


def test_moves_clamp_to_the_queue() -> None:
    assert moved([1, 2, 3], 3, 1) == [3, 1, 2]
    assert moved([1, 2, 3], 1, 2) == [2, 1, 3]
    assert moved([1, 2, 3], 1, 99) == [2, 3, 1]
    assert moved([1, 2, 3], 2, 2) == [1, 2, 3]
