"""The serve process's garbage-collection settings and the freezer that applies them."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest

from server.runtime import FREEZE_AFTER_CONNECTIONS, REFREEZE_SECONDS, Freezer
from server.settings import Settings, SettingsError


@pytest.fixture
def restore_gc() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def settings(tmp_path: Path, **env: str) -> Settings:
    return Settings.from_env(
        {"PRESESSION_DATA_DIR": str(tmp_path), **{f"PRESESSION_{k}": v for k, v in env.items()}}
    )


def test_gc_settings_default_to_a_frozen_heap_and_cpythons_thresholds(tmp_path: Path) -> None:
    chosen = settings(tmp_path)
    assert chosen.gc_freeze is True
    assert chosen.gc_freeze_survivors is True
    assert chosen.gc_threshold is None


def test_gc_settings_from_the_environment(tmp_path: Path) -> None:
    chosen = settings(
        tmp_path, GC_FREEZE="off", GC_FREEZE_SURVIVORS="off", GC_THRESHOLD="700, 10, 10"
    )
    assert chosen.gc_freeze is False
    assert chosen.gc_freeze_survivors is False
    assert chosen.gc_threshold == (700, 10, 10)
    assert settings(tmp_path, GC_THRESHOLD="default").gc_threshold is None


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("GC_FREEZE", "maybe"),
        ("GC_FREEZE_SURVIVORS", "2"),
        ("GC_THRESHOLD", "700,10"),
        ("GC_THRESHOLD", "0,10,10"),
    ],
)
def test_bad_gc_settings_are_refused(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=f"PRESESSION_{name}"):
        settings(tmp_path, **{name: value})


class Node:
    itself: Node


class Room:
    def __init__(self) -> None:
        self.connections = 0

    def count(self) -> int:
        return self.connections


@pytest.mark.usefixtures("restore_gc")
def test_freezer_freezes_after_a_burst_once_it_settles() -> None:
    room = Room()
    freezer = Freezer(room.count)
    freezer.freeze()
    room.connections = FREEZE_AFTER_CONNECTIONS + 5
    assert not freezer.check()  # still arriving
    kept = [[n] for n in range(1000)]  # long-lived objects that arrived with them
    assert freezer.check()  # settled: frozen
    assert gc.get_freeze_count() >= len(kept)
    room.connections += 10
    freezer.check()
    assert not freezer.check()  # a few more arrivals are not a burst


@pytest.mark.usefixtures("restore_gc")
def test_freezer_collects_frozen_garbage_once_most_connections_left() -> None:
    room = Room()
    freezer = Freezer(room.count)
    room.connections = 4 * FREEZE_AFTER_CONNECTIONS
    node = Node()
    node.itself = node  # garbage only the cyclic collector can find
    gone = weakref.ref(node)
    freezer.freeze()
    del node
    gc.collect()
    assert gone() is not None  # frozen: the collector does not look at it
    room.connections = FREEZE_AFTER_CONNECTIONS
    freezer.check()
    assert freezer.check()
    assert gone() is None  # unfrozen, collected, and the rest frozen again


@pytest.mark.usefixtures("restore_gc")
def test_freezer_collects_frozen_garbage_every_ten_minutes_at_least() -> None:
    room, now = Room(), [0.0]
    freezer = Freezer(room.count, clock=lambda: now[0])
    node = Node()
    node.itself = node
    gone = weakref.ref(node)
    freezer.freeze()
    del node
    now[0] = REFREEZE_SECONDS - 1
    assert not freezer.check()
    assert gone() is not None
    now[0] = REFREEZE_SECONDS
    assert freezer.check()
    assert gone() is None


@pytest.mark.usefixtures("restore_gc")
def test_a_full_collections_survivors_are_frozen_until_the_next_refreeze() -> None:
    room, now = Room(), [0.0]
    freezer = Freezer(room.count, clock=lambda: now[0])
    freezer.freeze()
    gc.callbacks.append(freezer.after_collection)
    try:
        kept = [[n] for n in range(1000)]  # alive at the full collection: frozen by it
        node = Node()
        node.itself = node  # alive at the full collection too, garbage just after
        gone = weakref.ref(node)
        frozen = gc.get_freeze_count()
        gc.collect(1)  # a young collection freezes nothing
        assert gc.get_freeze_count() == frozen
        gc.collect()
        assert gc.get_freeze_count() >= frozen + len(kept)
        assert gc.get_objects(generation=2) == []  # the next full collection walks only newer
        del node
        gc.collect()
        assert gone() is not None  # frozen garbage: no full collection finds it
        for minute in range(1, 11):  # a room that never settles: arrivals at every check
            now[0] = minute * 60.0
            room.connections += 3
            refrozen = freezer.check()
        assert refrozen  # ten minutes: unfrozen, collected and frozen again all the same
        assert gone() is None
    finally:
        gc.callbacks.remove(freezer.after_collection)
