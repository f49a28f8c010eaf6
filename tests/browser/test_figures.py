"""The event figures on the moderator's page: tables, charts, in two languages."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.conftest import Demo, Screen
from tests.browser.test_pages import RAW_KEY, axe_violations

SESSION = 6  # Namibia: no other browser test asks questions there


def test_the_moderator_sees_the_event_figures(
    demo: Demo, open_screen: Callable[..., Screen], artifacts: Path
) -> None:
    [namibia] = [s for s in demo.sessions if s["id"] == SESSION]
    assert namibia["country"] == "NA"
    moderator = open_screen(demo.invitations["moderator"])
    moderator.page.goto(f"/moderator?session={SESSION}")
    expect(moderator.page.locator("#connection")).to_have_text("Connected")
    moderator.page.locator("#phases [data-phase=screening]").click()
    delegate = open_screen(demo.delegate(SESSION)["token"])
    expect(delegate.page.locator("#session-phase")).to_have_text("Phase: Screening")
    delegate.page.get_by_label("Your question").fill("How will the report be followed up?")
    delegate.page.get_by_role("button", name="Send the question").click()
    expect(moderator.page.locator("#pending .question")).to_have_count(1)

    page = moderator.page
    figures = page.locator("#figures")
    expect(figures.locator("#figures-body")).not_to_be_visible()  # collapsed until asked for
    figures.get_by_text("Event figures").click()
    per_session = figures.locator("#figures-per-session tbody tr")
    expect(per_session).to_have_count(len(demo.sessions))
    row = per_session.filter(has_text="Namibia")
    # Namibia: speakers, asked, answered, open, rejected, withdrawn.
    speakers = len([s for s in demo.invitations["speakers"] if s["session"] == SESSION])
    expect(row.locator("td")).to_have_text([str(speakers), "1", "0", "1", "0", "0"])
    charts = figures.locator("svg.bar-chart[role=img]")
    expect(charts).to_have_count(3)  # speakers by kind, questions per session, per mission
    per_session_chart = figures.locator("svg[aria-label^='Questions per session:']")
    expect(per_session_chart).to_have_attribute("aria-label", re.compile(r"Namibia 1\b"))
    # Namibia's one question is the largest value: its bar takes the whole width.
    expect(per_session_chart.locator("rect.bar[width='200.0']")).to_have_count(1)
    expect(per_session_chart.locator("rect.bar[width='200.0']")).to_be_visible()
    assert figures.locator("#figures-by-kind tbody tr").count() == 3
    assert axe_violations(page) == []
    figures.screenshot(path=str(artifacts / "moderator-figures.png"))
    assert moderator.errors == []
    assert delegate.errors == []

    french = open_screen(demo.invitations["moderator"], language="fr")
    french.page.goto(f"/moderator?session={SESSION}")
    french.page.locator("#figures").get_by_text("Chiffres de l’événement").click()
    expect(french.page.locator("#figures-per-session caption")).to_have_text(
        "Questions par session"
    )
    expect(french.page.locator("#figures svg.bar-chart")).to_have_count(3)
    assert french.page.evaluate("window.presessionMissingKeys") == []
    assert RAW_KEY.findall(french.page.locator("#figures").inner_text()) == []
    assert french.errors == []

    phone = open_screen(demo.invitations["moderator"], viewport={"width": 375, "height": 740})
    phone.page.goto(f"/moderator?session={SESSION}")
    phone.page.locator("#figures summary").click()
    expect(phone.page.locator("#figures svg.bar-chart").first).to_be_visible()
    overflow = phone.page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the figures are wider than a phone by {overflow}px"
    phone.page.locator("#figures").screenshot(path=str(artifacts / "moderator-figures-phone.png"))
