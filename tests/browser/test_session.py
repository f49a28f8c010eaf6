"""A whole country session in three browsers: a moderator, a speaker and a delegate."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Demo, Screen

SESSION = 1  # Belgium
QUESTION = "How many shelters are funded in 2026?"


@pytest.mark.timeout(240)
def test_a_session_end_to_end(
    demo: Demo, open_screen: Callable[..., Screen], artifacts: Path, recording: Path
) -> None:
    invitation = demo.speaker(SESSION)
    organisation = invitation["organisation"]
    moderator = open_screen(demo.invitations["moderator"])
    speaker = open_screen(invitation["token"])
    delegate = open_screen(demo.delegate(SESSION, 1)["token"])  # France
    screens = {"moderator": moderator, "speaker": speaker, "delegate": delegate}
    moderator.page.goto(f"/moderator?session={SESSION}")
    for screen in screens.values():
        expect(screen.page.locator("#connection")).to_have_text("Connected")

    # The speaker uploads a recording through the page and sees it become ready.
    card = speaker.page.locator(f"#statement-{invitation['statement']}")
    card.get_by_label("Video file").set_input_files(recording)
    card.get_by_role("button", name="Upload").click()
    expect(card.locator(".state")).to_contain_text("State: ready", timeout=90_000)
    expect(card.locator("video.preview")).to_be_visible()
    # Captions are offered in the statement's language first (else the page's), never the
    # menu's first language by accident.
    card.locator("summary", has_text="Captions").click()
    expect(card.get_by_label("Captions language")).to_have_value("en")

    # The moderator previews and approves it, then starts the screening.
    review = moderator.page.locator(f"#review [data-statement='{invitation['statement']}']")
    expect(review.locator("video.preview")).to_be_visible(timeout=15_000)
    review.get_by_role("button", name="Approve the statement").click()
    moderator.page.locator("#phases [data-phase=screening]").click()
    expect(delegate.page.locator("#session-phase")).to_have_text("Phase: Screening")
    expect(speaker.page.locator("#live-session")).to_contain_text("Screening")
    playlist_item = moderator.page.locator(
        f"#playlist [data-statement='{invitation['statement']}']"
    )
    playlist_item.get_by_role("button", name="Screen this").click()
    moderator.page.get_by_role("button", name="Play", exact=True).click()

    # The delegate's player (hls.js, forced) follows the room, within a second.
    video = delegate.page.locator("video.screen")
    expect(video).to_have_attribute("data-engine", "hls.js")
    delegate.page.wait_for_function(
        "() => { const v = document.querySelector('video.screen');"
        " return v && !v.paused && v.currentTime > 0.5; }",
        timeout=20_000,
    )
    delegate.page.wait_for_function(
        "() => document.querySelector('video.screen').dataset.drift !== undefined"
    )
    drift = float(video.get_attribute("data-drift") or "nan")
    assert abs(drift) < 1.0, drift
    expect(delegate.page.locator("#player-caption")).to_contain_text(organisation)
    moderator.page.get_by_role("button", name="Pause", exact=True).click()
    delegate.page.wait_for_function("() => document.querySelector('video.screen').paused")

    # The delegate asks the speaker's organisation a question.
    delegate.page.get_by_label("Addressed to").select_option(label=organisation)
    delegate.page.get_by_label("Your question").fill(QUESTION)
    delegate.page.get_by_role("button", name="Send the question").click()
    mine = delegate.page.locator("#my-questions .question")
    expect(mine).to_contain_text("Waiting for the moderators")
    expect(mine).to_contain_text(organisation)
    pending = moderator.page.locator("#pending .question")
    expect(pending).to_contain_text(QUESTION)
    expect(pending).to_contain_text("Delegate of France")  # moderators see who asked
    expect(speaker.page.locator("#to-me")).not_to_contain_text(QUESTION)

    # Approved: the delegate sees its place; the speaker sees it coming.
    pending.get_by_role("button", name="Approve").click()
    expect(mine).to_contain_text("Approved: number 1 in the queue")
    expect(delegate.page.locator("#queue")).to_contain_text(QUESTION)
    expect(speaker.page.locator("#to-me")).to_contain_text(QUESTION)
    expect(moderator.page.locator("#queue .question")).to_have_count(1)

    # Q&A: on air on every screen, announced to screen readers.
    moderator.page.locator("#phases [data-phase=qa]").click()
    moderator.page.locator("#queue").get_by_role("button", name="Put on air").click()
    for screen in screens.values():
        expect(screen.page.locator("#on-air")).to_contain_text(QUESTION)
    expect(delegate.page.locator("#announcer")).to_contain_text(f"On air: {QUESTION}")
    expect(speaker.page.locator("#announcer")).to_contain_text(f"On air: {QUESTION}")
    expect(mine).to_contain_text("On air")

    # The speaker answers in writing; the moderator and the delegate read it.
    answer = "Twelve, for the whole country."
    speaker.page.locator("#on-air").get_by_label("Written answer").fill(answer)
    speaker.page.locator("#on-air").get_by_role("button", name="Send the answer").click()
    expect(moderator.page.locator("#on-air")).to_contain_text(answer)
    expect(delegate.page.locator("#on-air")).to_contain_text(answer)
    for name, screen in screens.items():
        screen.shot(artifacts, f"scenario-{name}-on-air")

    # Answered: off air everywhere, in the answered lists.
    moderator.page.get_by_role("button", name="Mark as answered").click()
    for screen in screens.values():
        expect(screen.page.locator("#on-air")).to_contain_text("No question is on air.")
    expect(delegate.page.locator("#answered")).to_contain_text(QUESTION)
    expect(moderator.page.locator("#answered")).to_contain_text(QUESTION)
    expect(mine).to_contain_text("Answered")
    for screen in screens.values():
        assert screen.errors == []
