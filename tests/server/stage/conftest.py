"""The stage's tests run against a real Janus, started by the app itself (Debian's `janus`)."""

from __future__ import annotations

import dataclasses
import shutil

import pytest

from server.settings import Settings
from tests.processes import free_port
from tests.server.live.conftest import delegates, live, login

__all__ = ["delegates", "live", "login"]

if shutil.which("janus") is None:
    pytest.skip(
        "Janus is not installed (apt-get install janus): the live stage is not tested",
        allow_module_level=True,
    )


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The stage on, with a Janus of this test's own on a free port."""
    return dataclasses.replace(settings, stage="auto", janus_port=free_port())
