"""A server without a stage: in the Q&A every page says that the answers go on in writing,
and the written Q&A works as before."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Demo, Screen, serve_demo

SESSION = 3


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    with serve_demo(tmp_path_factory.mktemp("no-stage-data"), PRESESSION_STAGE="off") as started:
        yield started


def test_without_a_stage_the_q_and_a_says_it_goes_on_in_writing(
    demo: Demo, open_screen: Callable[..., Screen], artifacts: Path
) -> None:
    moderator = open_screen(demo.invitations["moderator"])
    delegate = open_screen(demo.delegate(SESSION)["token"])
    french = open_screen(demo.delegate(SESSION, 1)["token"], language="fr")
    moderator.page.goto(f"/moderator?session={SESSION}")
    notice = delegate.page.locator("#stage-unavailable")
    expect(delegate.page.locator("#player")).to_be_visible()
    expect(notice).to_be_hidden()  # not before the Q&A

    moderator.page.locator("#phases [data-phase=screening]").click()
    moderator.page.locator("#phases [data-phase=qa]").click()
    expect(notice).to_be_visible()
    expect(notice).to_have_text(
        "The live stage is not available on this server: the questions and answers go on"
        " in writing."
    )
    expect(french.page.locator("#stage-unavailable")).to_contain_text("par écrit")
    expect(delegate.page.locator("#stage")).to_be_hidden()

    # The written Q&A goes on: the delegate asks and the moderator sees it.
    delegate.page.get_by_label("Your question").fill("Will the written Q&A go on?")
    delegate.page.get_by_role("button", name="Send the question").click()
    expect(moderator.page.locator("#pending")).to_contain_text("Will the written Q&A go on?")
    delegate.shot(artifacts, "stage-unavailable-delegate")
    for screen in (moderator, delegate, french):
        assert screen.errors == [], screen.errors
