"""A whole country session in three browsers: a moderator, a speaker and a delegate."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Demo, Screen

SESSION = 1  # Belgium


@pytest.mark.timeout(180)
def test_a_session_end_to_end(
    demo: Demo, open_screen: Callable[..., Screen], artifacts: Path
) -> None:
    speaker_invitation = demo.speaker(SESSION)
    moderator = open_screen(demo.invitations["moderator"])
    speaker = open_screen(speaker_invitation["token"])
    delegate = open_screen(demo.delegate(SESSION, 1)["token"])  # France
    organisation = speaker_invitation["organisation"]
    screens = (moderator, speaker, delegate)
    moderator.page.goto(f"/moderator?session={SESSION}")
    for screen in screens:
        expect(screen.page.locator("#connection")).to_have_text("Connected")

    # The moderator opens the screening: every screen shows the phase.
    moderator.page.locator("#phases [data-phase=screening]").click()
    expect(delegate.page.locator("#session-phase")).to_have_text("Phase: Screening")
    expect(speaker.page.locator("#live-session")).to_contain_text("Screening")

    # The delegate asks the speaker's organisation a question.
    delegate.page.get_by_label("Addressed to").select_option(label=organisation)
    delegate.page.get_by_label("Your question").fill("How many shelters are funded in 2026?")
    delegate.page.get_by_role("button", name="Send the question").click()
    mine = delegate.page.locator("#my-questions .question")
    expect(mine).to_contain_text("Waiting for the moderators")
    expect(mine).to_contain_text(organisation)
    pending = moderator.page.locator("#pending .question")
    expect(pending).to_contain_text("How many shelters")
    expect(pending).to_contain_text("Delegate of France")  # moderators see who asked
    expect(speaker.page.locator("#to-me")).not_to_contain_text("How many shelters")

    # Approved: the delegate sees its place; the speaker sees it coming.
    pending.get_by_role("button", name="Approve").click()
    expect(mine).to_contain_text("Approved: number 1 in the queue")
    expect(delegate.page.locator("#queue")).to_contain_text("How many shelters")
    expect(speaker.page.locator("#to-me")).to_contain_text("How many shelters")
    expect(moderator.page.locator("#queue .question")).to_have_count(1)

    # Q&A: on air on every screen, announced to screen readers.
    moderator.page.locator("#phases [data-phase=qa]").click()
    moderator.page.locator("#queue").get_by_role("button", name="Put on air").click()
    for screen in screens:
        expect(screen.page.locator("#on-air")).to_contain_text("How many shelters")
    expect(delegate.page.locator("#announcer")).to_contain_text("On air: How many shelters")
    expect(mine).to_contain_text("On air")

    # The speaker answers in writing; the moderator and the delegate read it.
    speaker.page.locator("#on-air").get_by_label("Written answer").fill("Twelve, for the whole country.")
    speaker.page.locator("#on-air").get_by_role("button", name="Send the answer").click()
    expect(moderator.page.locator("#on-air")).to_contain_text("Twelve, for the whole country.")
    expect(delegate.page.locator("#on-air")).to_contain_text("Twelve, for the whole country.")

    for name, screen in (("moderator", moderator), ("speaker", speaker), ("delegate", delegate)):
        screen.shot(artifacts, f"scenario-{name}-on-air")

    # Answered: off air everywhere, in the answered lists.
    moderator.page.get_by_role("button", name="Mark as answered").click()
    for screen in screens:
        expect(screen.page.locator("#on-air")).to_contain_text("No question is on air.")
    expect(delegate.page.locator("#answered")).to_contain_text("How many shelters")
    expect(moderator.page.locator("#answered")).to_contain_text("How many shelters")
    expect(mine).to_contain_text("Answered")
    for screen in screens:
        assert screen.errors == []
