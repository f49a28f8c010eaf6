"""Every page in each of the six UN languages, at a phone's width: `lang` and `dir` right, no
untranslated key, axe-clean, no text wider than its box; Arabic right to left where it shows
(the mirrored chart, the players kept left to right) and the server's refusals in the page's
language, on /apply and in the live room."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ROOT, Demo, Screen
from tests.browser.test_pages import axe_violations
from tests.unit.client.test_catalogs import catalog

LANGUAGES = ("ar", "zh", "en", "fr", "ru", "es")
SESSION = 4
ASKING_SESSION = 12  # Singapore: its screening is started here
PHONE = {"width": 360, "height": 740}
ENGLISH = (ROOT / "client" / "i18n" / "en.js").read_text(encoding="utf-8")
KEYS = set(re.findall(r'^\s+"([a-z_.]+)":', ENGLISH, flags=re.MULTILINE))
# A message key that leaked onto the page reads like "room.ask_to": one of the catalogs'
# prefixes, a dot, a name.
RAW_KEY = re.compile(
    r"\b(?:" + "|".join(sorted({key.split(".")[0] for key in KEYS})) + r")\.[a-z_]+\b"
)
# Elements whose content is wider than their own box, leaving out scrolling regions (they
# scroll on purpose), boxes hidden for screen readers, and what has no box of its own.
OVERFLOWING = """() => [...document.body.querySelectorAll('*')].filter((node) => {
  const style = getComputedStyle(node);
  if (style.display === 'inline' || style.display === 'none' || node.clientWidth <= 1) return false;
  if (['auto', 'scroll'].includes(style.overflowX)) return false;
  if (node.closest('.visually-hidden, [hidden], svg, video')) return false;
  return node.scrollWidth > node.clientWidth + 1;
}).map((node) => `${node.tagName.toLowerCase()}#${node.id}.${node.className}: `
  + `${node.scrollWidth} > ${node.clientWidth}`)"""


def pages(demo: Demo) -> dict[str, tuple[str | None, str]]:
    """Page name → (invitation token, path)."""
    moderator = demo.invitations["moderator"]
    return {
        "home": (moderator, "/"),
        "apply": (moderator, "/apply"),
        "speaker": (demo.speaker(SESSION)["token"], "/speaker"),
        "moderator": (moderator, f"/moderator?session={SESSION}"),
        "room": (demo.delegate(SESSION)["token"], f"/sessions/{SESSION}"),
        "record": (moderator, f"/sessions/{SESSION}/record"),
    }


def choose(page: Any, language: str) -> None:
    page.evaluate(f"localStorage.setItem('presession.language', '{language}')")


def opened(page: Any, name: str, path: str, language: str) -> None:
    if name == "record":
        page.goto(f"{path}?lang={language}")
        expect(page.locator("h1")).to_be_visible()
        return
    page.goto(path)
    if name == "home":
        expect(page.locator("#sessions li").first).to_be_visible()
    elif name == "apply":
        expect(page.locator("#application")).to_be_visible()
    else:
        expect(page.locator("#connection")).to_have_attribute("data-status", "online")
    assert page.evaluate("window.presessionMissingKeys") == [], (name, language)


@pytest.mark.timeout(180)
def test_every_page_in_every_language(
    demo: Demo, open_screen: Callable[..., Screen], artifacts: Path
) -> None:
    screens: dict[str | None, Screen] = {}
    for name, (token, path) in pages(demo).items():
        if token not in screens:
            screens[token] = open_screen(token, language=None, viewport=PHONE)
        screen = screens[token]
        page = screen.page
        for language in LANGUAGES:
            choose(page, language)
            opened(page, name, path, language)
            where = (name, language)
            assert page.evaluate("document.documentElement.lang") == language, where
            expected_dir = "rtl" if language == "ar" else "ltr"
            assert page.evaluate("document.documentElement.dir") == expected_dir, where
            text = page.locator("body").inner_text()
            assert RAW_KEY.findall(text) == [], where
            overflowing = page.evaluate(OVERFLOWING)
            assert overflowing == [], (where, "; ".join(overflowing))
            wider = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert wider <= 0, (where, f"{wider}px wider than the phone")
            assert axe_violations(page) == [], where
            if language == "ar":
                screen.shot(artifacts, f"lang-ar-{name}")
        assert screen.errors == []


def test_arabic_mirrors_the_chart_and_keeps_the_players_left_to_right(
    demo: Demo, open_screen: Callable[..., Screen], artifacts: Path
) -> None:
    moderator = open_screen(demo.invitations["moderator"], language="ar")
    page = moderator.page
    page.goto(f"/moderator?session={SESSION}")
    expect(page.locator("#connection")).to_have_attribute("data-status", "online")
    expect(page.locator("#screening-controls")).to_have_attribute("dir", "ltr")
    # The printable record opens in the page's language.
    expect(page.locator("#record-link")).to_have_attribute(
        "href", f"/sessions/{SESSION}/record?lang=ar"
    )
    page.locator("#figures summary").click()
    chart = page.locator(".figures-speakers .bar-chart")
    expect(chart).to_be_visible()
    sides = chart.evaluate(
        """(svg) => {
        const label = svg.querySelector('.bar-label').getBoundingClientRect();
        const bar = svg.querySelector('.bar').getBoundingClientRect();
        return {labelLeft: label.left, barRight: bar.right};
    }"""
    )
    # Right to left: the label stands to the right of its bar, which grows towards it.
    assert sides["labelLeft"] >= sides["barRight"], sides
    moderator.shot(artifacts, "lang-ar-moderator-figures")

    delegate = open_screen(demo.delegate(SESSION)["token"], language="ar")
    delegate.page.goto(f"/sessions/{SESSION}")
    expect(delegate.page.locator("#connection")).to_have_attribute("data-status", "online")
    videos = delegate.page.locator("video")
    expect(videos.first).to_be_attached()
    assert set(videos.evaluate_all("(all) => all.map((video) => video.dir)")) == {"ltr"}
    assert moderator.errors == delegate.errors == []


def test_a_refusal_of_the_server_reads_in_the_pages_language(
    open_screen: Callable[..., Screen], artifacts: Path
) -> None:
    applicant = open_screen(language="ar", viewport=PHONE)
    page = applicant.page
    page.goto("/apply")
    page.locator("#field-organisation").fill("الرابطة العربية لحقوق الإنسان")
    page.locator("input[name=kind][value=cso]").check()
    page.locator("input[name=scope][value=national]").check()
    page.locator(f"input[name=sessions][value='{SESSION}']").check()
    # Longer than the server takes (the page's own limit lifted, as an old page might have).
    page.locator("#field-contact_name").evaluate("(input) => input.removeAttribute('maxlength')")
    page.locator("#field-contact_name").fill("ن" * 201)
    page.locator("#field-contact_email").fill("nadia@example.org")
    page.locator("#field-summary").fill("ظروف الاحتجاز وحقوق المهاجرين.")
    page.locator("#field-consent").check()
    page.locator("#apply-submit").click()
    problems = page.locator("#problems")
    expect(problems).to_be_focused()
    expect(problems).to_contain_text("هذه الإجابة طويلة جدًا")
    problems.get_by_role("link").click()
    expect(page.locator("#field-contact_name")).to_be_focused()
    applicant.shot(artifacts, "lang-ar-apply-refused")
    assert applicant.errors == []


def test_a_refusal_of_the_live_room_reads_in_the_pages_language(
    demo: Demo, open_screen: Callable[..., Screen], artifacts: Path
) -> None:
    moderator = open_screen(demo.invitations["moderator"])
    moderator.page.goto(f"/moderator?session={ASKING_SESSION}")
    expect(moderator.page.locator("#connection")).to_have_text("Connected")
    moderator.page.locator("#phases [data-phase=screening]").click()
    delegates = {
        language: open_screen(demo.delegate(ASKING_SESSION, index)["token"], language=language)
        for index, language in enumerate(("fr", "ar", "en"))
    }
    for language, delegate in delegates.items():
        page = delegate.page
        expect(page.locator("#ask-submit")).to_be_enabled()
        # Only a zero-width space: the page sends it, the server finds the text empty.
        page.locator("#ask-text").fill("\u200b")
        page.locator("#ask-submit").click()
        status = page.locator("#ask-status")
        if language == "en":  # the server's own message, in the page's language already
            expect(status).to_have_text("'text' is empty.")
        else:
            expect(status).to_have_text(catalog(language)["error.code.empty_text"])
            assert "empty" not in status.inner_text()
        assert page.evaluate("window.presessionMissingKeys") == []
        delegate.shot(artifacts, f"lang-{language}-room-refused")
        assert delegate.errors == []
    assert moderator.errors == []
