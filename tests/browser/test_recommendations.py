"""Recommendations in three browsers: a speaker lists them beside the statement, the moderator
reviews them with it, a delegate marks one for their mission, and the record carries it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Demo, Screen
from tests.browser.test_pages import axe_violations

SESSION = 11  # no other browser test uses this session
FIRST = "Ratify the Optional Protocol to the Convention against <b>Torture</b>."
SECOND = "Repeal article 7 of the press law."


@pytest.mark.timeout(240)
def test_a_speakers_recommendations_reach_the_delegates_and_the_record(
    demo: Demo, open_screen: Callable[..., Screen], artifacts: Path, recording: Path
) -> None:
    invitation = demo.speaker(SESSION)
    speaker = open_screen(invitation["token"])
    page = speaker.page
    editor = page.locator(f"#recommendations-{invitation['statement']}")
    expect(editor).to_contain_text("No recommendations yet.")

    # A first row without its theme: the error is shown by the field, which gets the focus.
    editor.get_by_role("button", name="Add a recommendation").click()
    first = editor.get_by_role("group", name="Recommendation 1")
    expect(first.get_by_label("Text of the recommendation")).to_be_focused()
    page.keyboard.type(FIRST)
    editor.get_by_role("button", name="Save the recommendations").click()
    theme = first.get_by_label("UPR theme")
    expect(theme).to_be_focused()
    expect(theme).to_have_attribute("aria-invalid", "true")
    expect(first).to_contain_text("Choose a theme from the list.")
    theme.select_option(label="Torture and ill-treatment")

    editor.get_by_role("button", name="Add a recommendation").click()
    second = editor.get_by_role("group", name="Recommendation 2")
    second.get_by_label("Text of the recommendation").fill(SECOND)
    second.get_by_label("UPR theme").select_option(label="Freedom of expression")
    second.get_by_label("Recommendation of the previous cycle").fill("115.23")
    editor.get_by_role("button", name="Save the recommendations").click()
    expect(editor.get_by_role("status")).to_have_text("Your recommendations are saved.")
    expect(first.get_by_label("UPR theme")).not_to_have_attribute("aria-invalid", "true")
    speaker.shot(artifacts, "recommendations-speaker")
    assert axe_violations(page) == []

    # The statement itself, so that the moderator can approve both together.
    card = page.locator(f"#statement-{invitation['statement']}")
    card.get_by_label("Video file").set_input_files(recording)
    card.get_by_role("button", name="Upload").click()
    expect(card.locator(".state")).to_contain_text("State: ready", timeout=90_000)
    expect(editor.get_by_role("group", name="Recommendation 2")).to_be_visible()  # still there

    moderator = open_screen(demo.invitations["moderator"])
    moderator.page.goto(f"/moderator?session={SESSION}")
    review = moderator.page.locator(f"#review [data-statement='{invitation['statement']}']")
    listed = review.locator(".review-recommendations")
    expect(listed).to_contain_text(FIRST)  # as text, tags and all
    expect(listed).to_contain_text("follows up recommendation 115.23 of the previous cycle")
    expect(review.locator("video.preview")).to_be_visible(timeout=15_000)
    review.get_by_role("button", name="Approve the statement").click()
    expect(moderator.page.locator("#review")).not_to_contain_text(FIRST)

    # The delegate marks the first, by keyboard; the mark is their mission's.
    delegate = open_screen(demo.delegate(SESSION, 1)["token"])
    room = delegate.page.locator("#recommendations")
    expect(room.locator(".recommendation-group h3")).to_have_text(invitation["organisation"])
    mark = (
        room.locator(".recommendation")
        .filter(has_text=FIRST)
        .get_by_role("button", name="Our mission intends to raise this")
    )
    expect(mark).to_have_attribute("aria-pressed", "false")
    mark.focus()
    delegate.page.keyboard.press("Enter")
    expect(mark).to_have_attribute("aria-pressed", "true")
    expect(mark).to_be_focused()
    expect(delegate.page.locator("#announcer")).to_contain_text("your mission intends to raise")
    assert delegate.page.locator("#recommendations b").count() == 0
    delegate.shot(artifacts, "recommendations-delegate")
    assert axe_violations(delegate.page) == []

    # The organisers see which mission; the record counts it.
    moderator.page.goto(f"/sessions/{SESSION}")
    organisers = moderator.page.locator("#recommendations .recommendation").filter(has_text=FIRST)
    expect(organisers).to_contain_text("Missions that intend to raise it (1)")
    moderator.page.goto(f"/sessions/{SESSION}/record")
    row = moderator.page.locator("table tr").filter(has_text=FIRST)
    expect(row).to_have_count(1)
    expect(row.locator("td").last).to_have_text("1")
    expect(
        moderator.page.locator("table tr").filter(has_text=SECOND).locator("td").last
    ).to_have_text("0")
    expect(row).to_contain_text("Torture and ill-treatment")

    # The event figures count them per theme and per session.
    moderator.page.goto(f"/moderator?session={SESSION}")
    figures = moderator.page.locator("#figures")
    figures.get_by_text("Event figures").click()
    by_theme = figures.locator("#figures-by-theme tbody tr")
    expect(by_theme.filter(has_text="Torture and ill-treatment").locator("td")).to_have_text("1")
    expect(by_theme.filter(has_text="Freedom of expression").locator("td")).to_have_text("1")
    per_session = figures.locator("#figures-recommendations-per-session tbody tr")
    expect(per_session).to_have_count(1)  # no other session has recommendations
    expect(per_session.locator("td")).to_have_text("2")
    assert axe_violations(moderator.page) == []
    for screen in (speaker, moderator, delegate):
        assert screen.errors == []


@pytest.mark.timeout(120)
def test_a_list_changed_in_another_tab_is_reloaded_with_a_word_why(
    demo: Demo, open_screen: Callable[..., Screen]
) -> None:
    invitation = demo.speaker(SESSION, 1)
    editor_id = f"#recommendations-{invitation['statement']}"
    here, there = open_screen(invitation["token"]), open_screen(invitation["token"])
    editor = here.page.locator(editor_id)
    editor.get_by_role("button", name="Add a recommendation").click()
    row = editor.get_by_role("group", name="Recommendation 1")
    row.get_by_label("Text of the recommendation").fill(SECOND)
    row.get_by_label("UPR theme").select_option(label="Freedom of expression")
    editor.get_by_role("button", name="Save the recommendations").click()
    expect(editor.get_by_role("status")).to_have_text("Your recommendations are saved.")

    # In the other tab the speaker withdraws it; this tab still has it, and edits it.
    there.page.reload()
    elsewhere = there.page.locator(editor_id)
    elsewhere.get_by_role("button", name="Remove").click()
    elsewhere.get_by_role("button", name="Save the recommendations").click()
    expect(elsewhere.get_by_role("status")).to_have_text("Your recommendations are withdrawn.")
    row.get_by_label("Text of the recommendation").fill("Repeal the press law.")
    editor.get_by_role("button", name="Save the recommendations").click()
    error = editor.get_by_role("alert")
    expect(error).to_contain_text("Your list was changed elsewhere in the meantime")
    expect(error).to_be_focused()
    expect(editor).to_contain_text("No recommendations yet.")  # the list as saved now
    for screen in (here, there):
        assert screen.errors == []
