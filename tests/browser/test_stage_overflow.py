"""The overflow audience, with real Janus, ffmpeg and Chromium: a server whose stage takes no
WebRTC viewers, so that a delegate watches the stage as low-latency HLS while a speaker
publishes with the fake camera and microphone. The playlist carries decodable H.264 and AAC,
only people who may watch that stage get its files, a killed ffmpeg comes back by itself,
and ending the stage ends the forwards and ffmpeg."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Demo, Screen, serve_demo

if shutil.which("janus") is None or shutil.which("ffmpeg") is None:
    pytest.skip(
        "Janus or ffmpeg is not installed: the stage's overflow cannot be tested here",
        allow_module_level=True,
    )

SESSION = 9
OTHER_SESSION = 10


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """A server of its own: its stage takes no WebRTC viewers, every delegate overflows."""
    with serve_demo(
        tmp_path_factory.mktemp("overflow-data"), PRESESSION_STAGE_WEBRTC_VIEWERS="0"
    ) as started:
        yield started


def ffmpegs(demo: Demo) -> list[int]:
    """The overflow ffmpeg processes of this test's server (they read its data folder)."""
    found = []
    for entry in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            argv = entry.read_bytes().split(b"\0")
        except OSError:
            continue
        if argv and argv[0].endswith(b"ffmpeg") and str(demo.data_dir).encode() in b" ".join(argv):
            found.append(int(entry.parent.name))
    return found


def wait_until(check: Callable[[], Any], seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"{what}: not within {seconds} s")


def fetch(screen: Screen, path: str) -> Any:
    return screen.page.request.get(path, fail_on_status_code=False)


def segments(screen: Screen, playlist: str) -> list[str]:
    response = fetch(screen, playlist)
    if response.status != 200:
        return []
    return re.findall(r"^(seg_\d+\.ts)$", response.text(), flags=re.MULTILINE)


def probe(data: bytes, folder: Path) -> set[str]:
    path = folder / "segment.ts"
    path.write_bytes(data)
    report = subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-of", "json", str(path)],
        capture_output=True, check=True, timeout=30,
    )  # fmt: skip
    return {f"{s['codec_type']}:{s['codec_name']}" for s in json.loads(report.stdout)["streams"]}


@pytest.mark.timeout(240)
def test_the_overflow_audience(
    demo: Demo, open_screen: Callable[..., Screen], tmp_path: Path, artifacts: Path
) -> None:
    speaker_invitation = demo.speaker(SESSION)
    moderator = open_screen(demo.invitations["moderator"])
    speaker = open_screen(speaker_invitation["token"])
    delegate = open_screen(demo.delegate(SESSION, 0)["token"])
    moderator.page.goto(f"/moderator?session={SESSION}")
    for screen in (moderator, speaker, delegate):
        expect(screen.page.locator("#connection")).to_have_attribute("data-status", "online")
    moderator.page.locator("#phases [data-phase=screening]").click()
    moderator.page.get_by_role("button", name="Go live").click()
    expect(moderator.page.locator("#stage-live-state")).to_have_text("The stage is live.")
    speaker.page.get_by_role("button", name="Join the stage").click()
    speaker.page.locator("#stage-me").get_by_role("button", name="Go live").click()
    expect(speaker.page.locator("#stage-me-message")).to_have_text("You are live on the stage.")
    assert ffmpegs(demo) == []  # no overflow before the Q&A
    moderator.page.locator("#phases [data-phase=qa]").click()

    # The delegate gets the overflow, and plays it with hls.js.
    view = delegate.page.locator("#stage-view")
    expect(view).to_have_attribute("data-overflow", "hls", timeout=20_000)
    video = delegate.page.locator("#stage-view video.stage-overflow")
    video.evaluate(
        "v => new Promise((done, fail) => { const t0 = Date.now(); (function check() {"
        " if (v.videoWidth > 0 && v.currentTime > 0.5) done();"
        " else if (Date.now() - t0 > 45000) fail(new Error('no picture: ' + v.currentTime));"
        " else setTimeout(check, 250); })(); })"
    )
    assert view.get_attribute("data-video-tracks") in ("0", None)  # nothing from Janus

    urls = {name: f"/media/stage/{SESSION}/{name}/index.m3u8" for name in ("av", "audio")}
    listed = wait_until(lambda: segments(delegate, urls["av"]), 20, "segments in the playlist")
    segment = fetch(delegate, f"/media/stage/{SESSION}/av/{listed[-1]}")
    assert segment.status == 200
    assert "private" in segment.headers["cache-control"]
    assert probe(segment.body(), tmp_path) == {"video:h264", "audio:aac"}
    sound = wait_until(lambda: segments(delegate, urls["audio"]), 10, "sound-only segments")
    only_sound = fetch(delegate, f"/media/stage/{SESSION}/audio/{sound[-1]}").body()
    assert probe(only_sound, tmp_path) == {"audio:aac"}
    playlist = fetch(delegate, urls["av"])
    assert playlist.headers["cache-control"] == "private, no-cache"

    # Sound only: the sound-only playlist.
    delegate.page.locator("#stage-view-sound-only").check()
    expect(view).to_have_attribute("data-overflow", "audio")
    delegate.shot(artifacts, "stage-overflow-delegate")
    delegate.page.locator("#stage-view-sound-only").uncheck()

    # Only people who may watch this stage: another session's delegate, signed-out people,
    # and paths that cannot name a file get a clear refusal.
    outsider = open_screen(demo.delegate(OTHER_SESSION, 0)["token"])
    assert fetch(outsider, urls["av"]).status == 403
    stranger = open_screen()
    assert fetch(stranger, urls["av"]).status == 401
    for path in (
        f"/media/stage/{SESSION}/av/../../../presession.db",
        f"/media/stage/{SESSION}/av/%2e%2e/stage.sdp",
        f"/media/stage/{SESSION}/stage.sdp",
        f"/media/stage/{SESSION}/av/index.m3u8.tmp",
        "/media/stage/nine/av/index.m3u8",
        f"/media/stage/{2**40}/av/index.m3u8",
        "/media/stage/999999/av/index.m3u8",
    ):
        assert fetch(delegate, path).status in (403, 404), path

    # ffmpeg killed: a new one, and the playlist moves on.
    (first,) = wait_until(lambda: ffmpegs(demo), 10, "an ffmpeg")
    os.kill(first, signal.SIGKILL)
    wait_until(lambda: [pid for pid in ffmpegs(demo) if pid != first], 20, "a new ffmpeg")
    before = segments(delegate, urls["av"])[-1]
    wait_until(lambda: segments(delegate, urls["av"])[-1] != before, 30, "new segments")
    assert "#EXT-X-DISCONTINUITY" in fetch(delegate, urls["av"]).text()

    # The stage ends: its ffmpeg and its files are gone.
    moderator.page.get_by_role("button", name="End the stage").click()
    wait_until(lambda: not ffmpegs(demo), 15, "no ffmpeg once the stage ended")
    wait_until(lambda: fetch(delegate, urls["av"]).status == 404, 10, "no playlist")
    # The files go in the same round, just after ffmpeg (once its forwards are stopped).
    folder = demo.data_dir / "stage" / "overflow" / str(SESSION)
    wait_until(lambda: not folder.exists(), 15, "no overflow files once the stage ended")
    log = (demo.data_dir / "server.log").read_text(encoding="utf-8")
    assert "overflow: session 9 carries" in log
