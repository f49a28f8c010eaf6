"""Every page: no untranslated key, no serious accessibility violation, a screenshot, a
phone's width; and the live room's client rules, run in the browser."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ROOT, Demo, Screen

# Every page in each of the six languages: test_languages.py.
LANGUAGES = ("en",)
AXE = ROOT / "client" / "node_modules" / "axe-core" / "axe.min.js"
SESSION = 4
# A message key that leaked onto the page would read like "room.ask_to".
RAW_KEY = re.compile(
    r"\b(?:page|account|role|connection|notice|error|phase|home|room|question|status|announce|"
    r"player|speaker|statement|state|review|moderator|playlist|screening|counters|apply|"
    r"applications|consent|kind|scope|decision|figures|stage|recommendations|recommendation)\.[a-z_]+\b"
)


def pages(demo: Demo) -> dict[str, tuple[str | None, str]]:
    """Page name → (invitation token, path)."""
    return {
        "home": (None, "/"),
        "apply": (None, "/apply"),
        "moderator": (demo.invitations["moderator"], f"/moderator?session={SESSION}"),
        "speaker": (demo.speaker(SESSION)["token"], "/speaker"),
        "delegate": (demo.delegate(SESSION)["token"], f"/sessions/{SESSION}"),
    }


def axe_violations(page: Any) -> list[str]:
    page.evaluate(AXE.read_text(encoding="utf-8"))  # evaluate is not subject to the CSP
    violations = page.evaluate(
        "async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'best-practice']}))"
        ".violations.filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
    )
    return list(violations)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("name", ["home", "apply", "moderator", "speaker", "delegate"])
def test_each_page_in_each_language(
    demo: Demo, open_screen: Callable[..., Screen], artifacts: Path, name: str
) -> None:
    token, path = pages(demo)[name]
    for language in LANGUAGES:
        screen = open_screen(token, language=language)
        page = screen.page
        page.goto(path)
        if name == "home":
            expect(page.locator("#sessions li").first).to_be_visible()
        elif name == "apply":
            expect(page.locator("#application")).to_be_visible()
        else:
            expect(page.locator("#connection")).to_have_attribute("data-status", "online")
        expect(page.locator("html")).to_have_attribute("lang", language)
        assert page.evaluate("window.presessionMissingKeys") == []
        assert RAW_KEY.findall(page.locator("body").inner_text()) == []
        assert axe_violations(page) == [], (name, language)
        screen.shot(artifacts, f"{name}-{language}")
        assert screen.errors == []
    phone = open_screen(token, viewport={"width": 375, "height": 740})
    phone.page.goto(path)
    overflow = phone.page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{name} is wider than a phone by {overflow}px"
    phone.shot(artifacts, f"{name}-phone")


def test_the_client_rules_of_the_live_room(demo: Demo, open_screen: Callable[..., Screen]) -> None:
    """personal → merge, keep the version; old → ignore; gap → sync; otherwise apply."""
    page = open_screen().page
    results = page.evaluate(
        """async () => {
        const { RoomState } = await import('/static/js/room-state.js');
        const room = new RoomState({version: 5, phase: 'qa', screening: null, questions: [],
                                     queue: [], on_air: null});
        const q = (id, status) => ({id, number: id, status, text: 'q' + id});
        const out = [];
        const mine = {version: 9, previous: 5, personal: true, questions: [q(1, 'pending')]};
        out.push(room.apply(mine));
        out.push(room.version);
        out.push(room.apply({version: 4, previous: 3, phase: 'closed'}));
        out.push(room.apply({version: 8, previous: 7, questions: [q(2, 'approved')]}));
        out.push(room.apply({version: 8, previous: 7, questions: [q(2, 'approved')]}, true));
        out.push(room.apply({version: 9, previous: 8, questions: [q(2, 'on_air')],
                             queue: [], on_air: 2}));
        out.push(room.apply({version: 10, previous: 9, questions: [{id: 2, removed: true}]}));
        return {out, version: room.version, phase: room.phase, ids: [...room.questions.keys()],
                on_air: room.on_air};
    }"""
    )
    assert results == {
        "out": ["applied", 5, "ignored", "gap", "applied", "applied", "applied"],
        "version": 10,
        "phase": "qa",
        "ids": [1],
        "on_air": 2,
    }
