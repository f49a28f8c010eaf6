"""The serve process's interpreter settings on a real app: applied at start-up, undone at stop."""

from __future__ import annotations

import dataclasses
import gc
from collections.abc import Iterator

import pytest

from server.app import create_app
from server.runtime import tune_runtime
from server.settings import Settings
from tests.conftest import ClientFactory


@pytest.fixture(autouse=True)
def restore_gc() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


async def test_start_up_freezes_the_heap_and_sets_thresholds(
    aiohttp_client: ClientFactory, settings: Settings
) -> None:
    app = create_app(dataclasses.replace(settings, gc_threshold=(40_000, 15, 90)))
    tune_runtime(app)
    client = await aiohttp_client(app)
    assert gc.get_threshold() == (40_000, 15, 90)
    assert gc.get_freeze_count() > 0
    freezing = [callback for callback in gc.callbacks if "after_collection" in repr(callback)]
    assert len(freezing) == 1  # survivors of each full collection are frozen too
    assert (await client.get("/healthz")).status == 200
    await client.close()
    assert gc.get_freeze_count() == 0  # a stopped app leaves nothing frozen
    assert freezing[0] not in gc.callbacks


async def test_without_freezing_nothing_is_frozen(
    aiohttp_client: ClientFactory, settings: Settings
) -> None:
    app = create_app(dataclasses.replace(settings, gc_freeze=False, gc_threshold=None))
    before = gc.get_threshold()
    tune_runtime(app)
    await aiohttp_client(app)
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before
    assert not [callback for callback in gc.callbacks if "after_collection" in repr(callback)]
