"""The live stage in four browsers, with real Janus and Chromium's fake camera and microphone:
the moderator goes live, a speaker answers on camera, two delegates receive it (one with
*Sound only*), the moderator gives a delegation the floor and takes it back; the session closes
and the record lists its Q&A recording, made from what Janus recorded."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Demo, Screen
from tests.browser.test_pages import axe_violations

if shutil.which("janus") is None:
    pytest.skip(
        "Janus is not installed (Debian package `janus`): the live stage cannot be tested here",
        allow_module_level=True,
    )

SESSION = 9  # Paraguay: no other browser test uses this session
QUESTION = "Will the new shelters law be funded in 2027?"


def stage_data(screen: Screen) -> dict[str, str]:
    """What the page's stage receives (its data attributes, from RTCPeerConnection.getStats)."""
    data: dict[str, str] = screen.page.locator("#stage-view").evaluate("e => ({...e.dataset})")
    return data


def wait_for_growth(screen: Screen, key: str, seconds: float = 15) -> None:
    """The stage's inbound-rtp byte count `key` grows."""
    first = int(stage_data(screen).get(key) or 0)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.5)
        if int(stage_data(screen).get(key) or 0) > first:
            return
    raise AssertionError(f"{key} stayed at {first}: {stage_data(screen)}")


def tile(screen: Screen, name: str) -> Any:
    return screen.page.locator("#stage-view .stage-tile", has_text=name)


def wait_for_playing(screen: Screen, name: str, ready: str, what: str) -> None:
    """The tile of `name` plays: `ready` (a JS expression of its media element `v`) holds, and
    its time advances."""
    media = tile(screen, name).locator("video")
    expect(media).to_have_count(1, timeout=20_000)
    media.evaluate(
        "v => new Promise((done, fail) => { const t0 = Date.now(); (function check() {"
        f" if (({ready}) && v.currentTime > 0) done();"
        f" else if (Date.now() - t0 > 20000) fail(new Error('no {what}'));"
        " else setTimeout(check, 200); })(); })"
    )
    before = media.evaluate("v => v.currentTime")
    time.sleep(1)
    assert media.evaluate("v => v.currentTime") > before


def wait_for_picture(screen: Screen, name: str) -> None:
    """The tile of `name` shows a moving picture: videoWidth > 0 and its time advances."""
    wait_for_playing(screen, name, "v.videoWidth > 0", "picture")


# Messages by which a page leaves the stage itself: a page that ignores the floor's end drops them.
LEAVING = re.compile(r'"request"\s*:\s*"(unpublish|leave)"|"janus"\s*:\s*"(hangup|detach|destroy)"')


def keep_publishing(screen: Screen) -> None:
    """Make this page a browser that ignores the floor being taken back: its peer connections
    and tracks are never closed or stopped, and it never tells Janus it leaves."""
    screen.page.evaluate(
        """() => {
          window.__kept = {
            close: RTCPeerConnection.prototype.close,
            stop: MediaStreamTrack.prototype.stop,
            replaceTrack: RTCRtpSender.prototype.replaceTrack,
            removeTrack: RTCPeerConnection.prototype.removeTrack,
          };
          window.__sending = [];
          RTCPeerConnection.prototype.close = function () { window.__sending.push(this); };
          MediaStreamTrack.prototype.stop = function () {};
          RTCRtpSender.prototype.replaceTrack = async function () {};
          RTCPeerConnection.prototype.removeTrack = function () {};
        }"""
    )

    def drop_leaving(route: Any) -> None:
        if LEAVING.search(route.request.post_data or ""):
            route.abort()
        else:
            route.continue_()

    screen.page.route("**/stage/janus**", drop_leaving)


def stop_ignoring(screen: Screen) -> None:
    screen.page.unroute("**/stage/janus**")
    screen.page.evaluate(
        """() => {
          RTCPeerConnection.prototype.close = window.__kept.close;
          MediaStreamTrack.prototype.stop = window.__kept.stop;
          RTCRtpSender.prototype.replaceTrack = window.__kept.replaceTrack;
          RTCPeerConnection.prototype.removeTrack = window.__kept.removeTrack;
          for (const pc of window.__sending) pc.close();
        }"""
    )


def wait_for_sound(screen: Screen, name: str) -> None:
    """The tile of `name` plays that person's sound: its element holds a live audio track and
    its time advances (on a sound-only page, where no picture comes)."""
    live = "(v.srcObject?.getAudioTracks() ?? []).some((a) => a.readyState === 'live')"
    wait_for_playing(screen, name, live, "sound")


def kill_janus(demo: Demo) -> None:
    """Kill the Janus the server started (its pid is in the server's log)."""
    log = (demo.data_dir / "server.log").read_text(encoding="utf-8")
    pid = int(re.findall(r"Janus started \(pid (\d+)\)", log)[-1])
    os.kill(pid, signal.SIGKILL)


def wait_for_qa_recording(moderator: Screen, seconds: float = 150) -> dict[str, Any]:
    """The session's record, once its Q&A recording is made (or the test fails saying why)."""
    deadline = time.monotonic() + seconds
    while True:
        answer = moderator.page.request.get(f"/api/sessions/{SESSION}/record")
        assert answer.status == 200
        record: dict[str, Any] = answer.json()
        state = record["stage"]["qa_recording"]["state"]
        if state == "ready":
            return record
        assert state in ("recording", "processing"), record["stage"]["qa_recording"]
        assert time.monotonic() < deadline, f"the Q&A recording is still {state}"
        time.sleep(1)


def ffprobe_streams(path: Path) -> set[str]:
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_type", "-of", "json", str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return {stream["codec_type"] for stream in json.loads(probe.stdout)["streams"]}


@pytest.mark.timeout(420)
def test_the_stage_end_to_end(
    demo: Demo, open_screen: Callable[..., Screen], artifacts: Path
) -> None:
    speaker_invitation = demo.speaker(SESSION)
    organisation = speaker_invitation["organisation"]
    asker_invitation = demo.delegate(SESSION, 1)
    asker_name = asker_invitation["name"]
    moderator = open_screen(demo.invitations["moderator"])
    speaker = open_screen(speaker_invitation["token"])
    asker = open_screen(asker_invitation["token"])
    # On a poor connection, and reading French.
    listener = open_screen(demo.delegate(SESSION, 2)["token"], language="fr")
    screens = {
        "moderator": moderator,
        "speaker": speaker,
        "delegate": asker,
        "listener-fr": listener,
    }
    moderator.page.goto(f"/moderator?session={SESSION}")
    for screen in screens.values():
        expect(screen.page.locator("#connection")).to_have_attribute("data-status", "online")

    # The speaker lets their live answers be recorded (the Q&A recording).
    speaker.page.get_by_label("My live answers on the stage may be recorded").check()
    speaker.page.get_by_role("button", name="Save my choices").click()
    expect(speaker.page.get_by_text("Your choices are saved.")).to_be_visible()

    # The moderator opens the screening and goes live; the listener chooses Sound only.
    moderator.page.locator("#phases [data-phase=screening]").click()
    expect(listener.page.locator("#session-phase")).to_contain_text("Projection")
    listener.page.get_by_label("Qualité").select_option(label="Son seulement (connexion faible)")
    moderator.page.get_by_role("button", name="Go live").click()
    expect(moderator.page.locator("#stage-live-state")).to_have_text("The stage is live.")

    # The speaker joins the stage: a preview with a level meter and the devices, then live.
    speaker.page.get_by_role("button", name="Join the stage").click()
    expect(speaker.page.locator("#stage-me video")).to_be_visible()
    speaker.page.wait_for_function(
        "() => Number(document.querySelector('#stage-me-level').dataset.level) > 0.01",
        timeout=10_000,
    )
    expect(speaker.page.get_by_label("Microphone", exact=True).locator("option")).not_to_have_count(
        0
    )
    expect(speaker.page.get_by_label("Camera", exact=True).locator("option")).not_to_have_count(0)
    speaker.page.locator("#stage-me").get_by_role("button", name="Go live").click()
    expect(speaker.page.locator("#stage-me-message")).to_have_text("You are live on the stage.")
    expect(moderator.page.locator("#stage-people")).to_contain_text(organisation)

    # A delegate asks the speaker a question; it goes on air in the Q&A.
    asker.page.get_by_label("Addressed to").select_option(label=organisation)
    asker.page.get_by_label("Your question").fill(QUESTION)
    asker.page.get_by_role("button", name="Send the question").click()
    moderator.page.locator("#pending").get_by_role("button", name="Approve").click()
    moderator.page.locator("#phases [data-phase=qa]").click()
    moderator.page.locator("#queue").get_by_role("button", name="Put on air").click()
    expect(speaker.page.locator("#on-air")).to_contain_text(QUESTION)

    # In the Q&A, every page says that the stage is recorded.
    for screen in screens.values():
        expect(screen.page.locator(".stage-recording")).to_be_visible()
    expect(listener.page.locator(".stage-recording")).to_contain_text("Enregistrement")

    # Both delegates have the stage in the player's place; the speaker is seen and heard.
    for delegate in (asker, listener):
        expect(delegate.page.locator("#stage-view")).to_be_visible()
        expect(delegate.page.locator("#player")).to_be_hidden()
        expect(tile(delegate, organisation)).to_be_visible(timeout=20_000)
    wait_for_picture(asker, organisation)
    wait_for_growth(asker, "videoBytes")
    wait_for_growth(asker, "audioBytes")
    # Large, and marked as the one the question on air is addressed to.
    expect(tile(asker, organisation)).to_have_class(re.compile(r"\bactive\b"))
    expect(tile(asker, organisation)).to_have_class(re.compile(r"\baddressed\b"))
    wait_for_picture(moderator, organisation)

    # A delegate who arrives while the stage is live gets it at once.
    arrived = time.monotonic()
    late = open_screen(demo.delegate(SESSION, 3)["token"])
    wait_for_picture(late, organisation)
    print(f"late joiner: the speaker's picture {time.monotonic() - arrived:.2f} s after the link")
    assert time.monotonic() - arrived < 15
    wait_for_growth(late, "videoBytes")  # a second delegate receiving the speaker's video
    late.page.context.close()

    # Sound only: the speaker is heard, and no video is received at all.
    wait_for_growth(listener, "audioBytes")
    listener_data = stage_data(listener)
    assert listener_data["videoTracks"] == "0", listener_data
    assert listener_data["videoBytes"] == "0", listener_data
    assert tile(listener, organisation).locator("video").evaluate("v => v.videoWidth") == 0

    # The moderator gives the asking delegation the floor, with its camera.
    floor = moderator.page.locator("#stage-console")
    expect(floor.locator("#stage-floor")).to_contain_text("The question on air is from")
    floor.get_by_label("Camera allowed").check()
    floor.locator("#stage-give-floor").click()
    prompt = asker.page.locator("#floor[role=alert]")
    expect(prompt).to_contain_text("Your delegation has the floor")
    expect(asker.page.get_by_role("button", name="Speak")).to_be_focused()
    expect(listener.page.locator("#floor")).to_be_hidden()  # only the floor's delegation
    # By keyboard: the prompt puts the focus on Speak.
    expect(asker.page.get_by_role("button", name="Speak")).to_be_focused()
    asker.page.keyboard.press("Enter")
    expect(asker.page.locator("#stage-me-message")).to_have_text("You are live on the stage.")

    # The others receive the delegate: seen by the speaker and the moderator, heard by all.
    expect(moderator.page.locator("#stage-people")).to_contain_text(asker_name)
    wait_for_picture(speaker, asker_name)
    wait_for_picture(moderator, asker_name)
    expect(tile(listener, asker_name)).to_be_visible(timeout=20_000)
    expect(tile(listener, asker_name)).to_contain_text("A la parole")
    wait_for_sound(listener, asker_name)  # the delegate's own sound, not only the speaker's
    wait_for_growth(listener, "audioBytes")
    assert stage_data(listener)["videoTracks"] == "0"
    expect(tile(moderator, asker_name)).to_have_class(re.compile(r"\bhas-floor\b"))
    expect(tile(moderator, asker_name)).to_have_class(re.compile(r"\bactive\b"))

    for name, screen in screens.items():
        screen.shot(artifacts, f"stage-{name}")
    for screen in screens.values():
        assert axe_violations(screen.page) == []

    # The moderator mutes the speaker: the speaker's page turns the microphone off and says so.
    moderator.page.locator("#stage-people").get_by_role(
        "button", name=f"Mute {speaker_invitation['name']}"
    ).click()
    expect(speaker.page.locator("#stage-me-message")).to_have_text(
        "A moderator muted your microphone."
    )
    expect(speaker.page.locator("#stage-me-mute")).to_be_disabled()
    assert (
        speaker.page.evaluate(
            "() => document.querySelector('#stage-me video').srcObject.getAudioTracks()[0].enabled"
        )
        is False
    )
    expect(tile(listener, organisation)).to_contain_text("Micro coupé")

    # The moderator takes the floor back from a browser that ignores it (it neither unpublishes
    # nor stops sending): the server kicks its publisher, gone from every screen within 2 s.
    keep_publishing(asker)
    kicks = (demo.data_dir / "server.log").read_text().count("kicked from room")
    taken_back = time.monotonic()
    floor.get_by_role("button", name="Take the floor back").click()
    expect(tile(listener, asker_name)).to_have_count(0, timeout=2_000)
    cut_after = time.monotonic() - taken_back
    for screen in (moderator, speaker):
        expect(tile(screen, asker_name)).to_have_count(0, timeout=2_000)
    # Cut by the server, not by the page: the round kicked its publisher.
    assert (demo.data_dir / "server.log").read_text().count("kicked from room") > kicks
    print(f"floor taken back from a browser that ignores it: cut after {cut_after:.2f} s")
    stop_ignoring(asker)
    expect(asker.page.locator("#stage-me-message")).to_contain_text("The floor was taken back")
    expect(moderator.page.locator("#stage-people")).not_to_contain_text(asker_name)
    expect(tile(asker, organisation)).to_be_visible()  # and watches on
    asker.shot(artifacts, "stage-delegate-after-the-floor")

    # Unmuted by the moderator, the speaker turns the microphone on again.
    moderator.page.locator("#stage-people").get_by_role(
        "button", name=f"Unmute {speaker_invitation['name']}"
    ).click()
    expect(speaker.page.locator("#stage-me-mute")).to_be_enabled()
    speaker.page.locator("#stage-me-mute").click()
    expect(speaker.page.locator("#stage-me-mute")).to_have_text("Mute")
    expect(tile(listener, organisation)).not_to_contain_text("Micro coupé")
    wait_for_growth(listener, "audioBytes")

    # Janus dies mid-stage: the pages say the stage is reconnecting, then the server starts
    # Janus again and every page rebuilds its stage; the speaker is live again without a click,
    # and the delegates receive the speaker again.
    kill_janus(demo)
    expect(listener.page.locator("#connection")).to_have_text(
        "Connecté · la scène se reconnecte…", timeout=10_000
    )
    expect(speaker.page.locator("#connection")).to_have_text("Connected", timeout=30_000)
    expect(speaker.page.locator("#stage-me-message")).to_have_text("You are live on the stage.")
    expect(listener.page.locator("#connection")).to_have_text("Connecté", timeout=30_000)
    expect(listener.page.locator("#stage-view")).to_have_attribute(
        "data-feeds", "1", timeout=20_000
    )
    wait_for_growth(listener, "audioBytes")
    expect(asker.page.locator("#stage-view")).to_have_attribute("data-feeds", "1", timeout=20_000)
    wait_for_growth(asker, "videoBytes")
    expect(tile(asker, organisation)).to_be_visible(timeout=20_000)  # captioned again

    # The session closes: the stage ends, and its Q&A recording is made from the pieces Janus
    # wrote (the speaker, who agreed, and the delegation given the floor), then listed in the
    # record with the floor's times.
    moderator.page.locator("#phases [data-phase=closed]").click()
    expect(listener.page.locator("#session-phase")).to_contain_text("Terminée")
    record = wait_for_qa_recording(moderator)
    recording = record["stage"]["qa_recording"]
    names = {entry["name"] for entry in recording["in_it"]}
    assert {speaker_invitation["name"], asker_name} <= names, recording
    assert organisation not in recording["left_out"]
    assert recording["duration_s"] > 10
    [turn] = record["stage"]["floor"]
    assert turn["video"] is True
    assert turn["from"] < turn["until"]
    assert speaker_invitation["name"] in {stay["name"] for stay in record["stage"]["on_stage"]}
    download = demo.data_dir / "media" / "sessions" / str(SESSION) / "qa" / "v1" / "statement.mp4"
    streams = ffprobe_streams(download)
    assert {"video", "audio"} <= streams, streams
    # Janus's raw pieces are not kept once they are in the recording.
    assert not (demo.data_dir / "janus" / "recordings" / f"session-{SESSION}").exists()
    printable = moderator.page.context.new_page()
    printable.goto(f"/sessions/{SESSION}/record")
    expect(printable.get_by_role("link", name="Download the Q&A recording")).to_be_visible()
    expect(printable.locator("main")).to_contain_text(turn["mission"])
    printable.screenshot(path=str(artifacts / "stage-record.png"), full_page=True)
    printable.close()
    answer = moderator.page.request.get(recording["master"])
    assert answer.status == 200
    assert "#EXTM3U" in answer.text()

    for screen in screens.values():
        assert screen.page.evaluate("window.presessionMissingKeys") == []
        assert screen.errors == []
        # Leaving the page ends its Janus session (janus.js, on beforeunload), and with it the
        # long poll our server holds open for it.
        screen.page.close(run_before_unload=True)
