"""Screens that lose the network catch up on their own; hostile text stays text."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.conftest import Demo, Screen

HOSTILE = "<img src=x onerror=alert(1)> Is <b>this</b> bold?"


def test_the_room_resynchronises_after_the_network_returns(
    demo: Demo, open_screen: Callable[..., Screen]
) -> None:
    session = 2
    moderator = open_screen(demo.invitations["moderator"])
    moderator.page.goto(f"/moderator?session={session}")
    delegate = open_screen(demo.delegate(session)["token"])
    indicator = delegate.page.locator("#connection")
    expect(indicator).to_have_text("Connected")
    expect(moderator.page.locator("#connection")).to_have_text("Connected")

    delegate.page.context.set_offline(True)
    expect(indicator).to_have_text("Offline: reconnecting…")
    moderator.page.locator("#phases [data-phase=screening]").click()
    expect(moderator.page.locator("#phases [aria-pressed=true]")).to_have_text("Screening")
    expect(delegate.page.locator("#session-phase")).to_have_text("Phase: Scheduled")

    delegate.page.context.set_offline(False)
    expect(indicator).to_have_text("Connected", timeout=15_000)
    expect(delegate.page.locator("#session-phase")).to_have_text("Phase: Screening")
    expect(delegate.page.locator("#announcer")).to_contain_text("Connection restored")
    assert delegate.errors == []


def test_a_question_with_html_is_shown_as_text(
    demo: Demo, open_screen: Callable[..., Screen]
) -> None:
    session = 3
    moderator = open_screen(demo.invitations["moderator"])
    moderator.page.goto(f"/moderator?session={session}")
    delegate = open_screen(demo.delegate(session)["token"])
    expect(moderator.page.locator("#connection")).to_have_text("Connected")
    moderator.page.locator("#phases [data-phase=screening]").click()
    expect(delegate.page.locator("#session-phase")).to_have_text("Phase: Screening")

    delegate.page.get_by_label("Your question").fill(HOSTILE)
    delegate.page.get_by_role("button", name="Send the question").click()
    pending = moderator.page.locator("#pending .question-text")
    expect(pending).to_have_text(HOSTILE)
    moderator.page.locator("#pending").get_by_role("button", name="Approve").click()
    expect(delegate.page.locator("#queue .question-text")).to_have_text(HOSTILE)
    for screen in (moderator, delegate):
        assert screen.page.locator("main img, main b").count() == 0

    # A second question, then the moderator moves it first with the keyboard.
    delegate.page.get_by_label("Your question").fill("A plain second question.")
    delegate.page.get_by_role("button", name="Send the question").click()
    moderator.page.locator("#pending").get_by_role("button", name="Approve").click()
    queue = delegate.page.locator("#queue .question-text")
    expect(queue).to_have_text([HOSTILE, "A plain second question."])
    moderator.page.locator("#queue .handle").nth(1).press("ArrowUp")
    expect(queue).to_have_text(["A plain second question.", HOSTILE])
    expect(moderator.page.locator("#queue .handle").first).to_be_focused()
    for screen in (moderator, delegate):
        assert screen.errors == []  # no alert() dialog, no script error


def test_a_refused_file_says_why(
    demo: Demo, open_screen: Callable[..., Screen], tmp_path: Path
) -> None:
    invitation = demo.speaker(5)
    speaker = open_screen(invitation["token"])
    not_a_video = tmp_path / "statement.mp4"
    not_a_video.write_text("This is a letter, not a recording.\n" * 50)
    card = speaker.page.locator(f"#statement-{invitation['statement']}")
    card.get_by_label("Video file").set_input_files(not_a_video)
    card.get_by_role("button", name="Upload").click()
    expect(card.locator(".state")).to_contain_text("refused", timeout=30_000)
    expect(card.get_by_role("alert")).not_to_be_empty()
    assert speaker.errors == []


def test_signing_out_in_another_tab_ends_the_live_connection(
    demo: Demo, open_screen: Callable[..., Screen]
) -> None:
    session = 5
    delegate = open_screen(demo.delegate(session)["token"])
    indicator = delegate.page.locator("#connection")
    expect(indicator).to_have_text("Connected")
    other_tab = delegate.page.context.new_page()
    other_tab.goto("/")
    other_tab.locator("#sign-out").click()
    expect(other_tab.locator("#account")).to_contain_text("Not signed in")
    # The room's tab does not keep listening, and says what to do.
    expect(indicator).to_have_text("Signed out: open your invitation link to sign in again.")
    expect(indicator).to_have_attribute("data-status", "signed_out")
    assert delegate.errors == []
