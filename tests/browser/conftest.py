"""Browser tests: the real server in a subprocess, Debian's Chromium driven by Playwright.

One server (with the demo event) serves the whole browser suite; each test takes its own
country session from the demo so that tests do not see each other's questions.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.clips import clip
from tests.processes import free_port

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("PRESESSION_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # The screening starts without a click in tests; people get a "start with sound" button.
    "--autoplay-policy=no-user-gesture-required",
    # The live stage: a fake camera and microphone, allowed without asking.
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
]

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is a dev dependency")
if not CHROMIUM.exists():
    pytest.skip(
        f"no Chromium at {CHROMIUM}: run scripts/system-packages.sh --browser",
        allow_module_level=True,
    )
if not (ROOT / "client" / "vendor" / "hls.esm.js").exists():
    pytest.skip("client libraries missing: run make install", allow_module_level=True)


@dataclass(frozen=True)
class Demo:
    base_url: str
    data_dir: Path
    invitations: dict[str, Any]
    sessions: list[dict[str, Any]]

    def speaker(self, session: int, index: int = 0) -> dict[str, Any]:
        return [s for s in self.invitations["speakers"] if s["session"] == session][index]

    def delegate(self, session: int, index: int = 0) -> dict[str, Any]:
        return [d for d in self.invitations["delegates"] if d["session"] == session][index]

    def join_url(self, token: str) -> str:
        return f"{self.base_url}/join/{token}"


def _wait_healthy(url: str, server: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server stopped with {server.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the server did not answer /healthz in time")


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    with serve_demo(tmp_path_factory.mktemp("browser-data")) as started:
        yield started


@contextlib.contextmanager
def serve_demo(data_dir: Path, **settings: str) -> Iterator[Demo]:
    """The demo event served by `presession serve` in a process of its own, with these
    `PRESESSION_*` settings on top."""
    port = free_port()
    base_url = f"http://localhost:{port}"
    env = {
        **os.environ,
        "PRESESSION_DATA_DIR": str(data_dir),
        "PRESESSION_PORT": str(port),
        "PRESESSION_PUBLIC_URL": base_url,
        "PRESESSION_SQLITE_SYNCHRONOUS": "NORMAL",
        # The stage's own Janus (started by the server when installed), on a port of its own.
        "PRESESSION_JANUS_PORT": str(free_port()),
        **settings,
    }
    presession = [sys.executable, "-m", "server.cli"]
    printed = subprocess.run(
        [*presession, "demo", "--json"], env=env, cwd=ROOT, check=True, capture_output=True
    )
    demo_json = json.loads(printed.stdout)
    log = (data_dir / "server.log").open("wb")
    server = subprocess.Popen([*presession, "serve"], env=env, cwd=ROOT, stdout=log, stderr=log)
    try:
        _wait_healthy(base_url, server)
        yield Demo(base_url, data_dir, demo_json["invitations"], demo_json["sessions"])
    finally:
        server.terminate()
        server.wait(10)
        log.close()


# Per module, not per session: Playwright's sync API keeps an event loop running in this
# thread while it is open, and the asyncio tests that run after these need the thread free.
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A three-second statement to upload."""
    return clip(tmp_path_factory.mktemp("clips") / "statement.mp4", seconds=3)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@dataclass
class Screen:
    """One person's browser window, with what went wrong in it."""

    page: Any
    errors: list[str]

    def shot(self, folder: Path, name: str) -> None:
        self.page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def _note_policy_violation(message: Any, errors: list[str]) -> None:
    if message.type == "error" and "Content Security Policy" in message.text:
        errors.append(message.text)


@pytest.fixture
def open_screen(browser: Any, demo: Demo) -> Iterator[Callable[..., Screen]]:
    """Open a new browser context (one person), signed in with `token` when given."""
    contexts: list[Any] = []

    def open_(token: str | None = None, *, language: str | None = "en", **options: Any) -> Screen:
        """`language=None`: the page's language is left to the test (`localStorage`)."""
        context = browser.new_context(base_url=demo.base_url, locale=language or "en", **options)
        if language is not None:
            context.add_init_script(f"localStorage.setItem('presession.language', '{language}')")
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda message: _note_policy_violation(message, errors))
        page.on(
            "dialog", lambda dialog: (errors.append(f"dialog: {dialog.message}"), dialog.dismiss())
        )
        page.goto(demo.join_url(token) if token else "/")
        return Screen(page, errors)

    yield open_
    for context in contexts:
        context.close()
