"""The stage's tests run against a real Janus, started by the app itself (Debian's `janus`)."""

from __future__ import annotations

import dataclasses
import shutil
import socket

import pytest

from server.settings import Settings
from tests.server.live.conftest import delegates, live, login

__all__ = ["delegates", "live", "login"]

if shutil.which("janus") is None:
    pytest.skip(
        "Janus is not installed (apt-get install janus): the live stage is not tested",
        allow_module_level=True,
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The stage on, with a Janus of this test's own on a free port."""
    return dataclasses.replace(settings, stage="auto", janus_port=_free_port())
