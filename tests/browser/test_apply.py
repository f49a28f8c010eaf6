"""The call for applications in the browser: an organisation applies on /apply, a moderator
accepts it, the invitation in the mail signs the speaker in, and the statement is uploaded;
the form says when it is closed, in the event's time zone and the applicant's."""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.message import Message
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Demo, Screen

SESSION = 7  # no other browser test uses this session
EXTENDED_SESSION = 8  # nor this one
ORGANISATION = "Ligue des droits humains « Espoir »"
CONTACT = "nadia.haddad@example.org"
APPLICANT_ZONE = "America/New_York"


def mail_to(demo: Demo, address: str, subject_starts: str) -> Message:
    for path in sorted((demo.data_dir / "outbox").glob("*.eml"), reverse=True):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if message["To"] == address and str(message["Subject"]).startswith(subject_starts):
            return message
    raise AssertionError(f"no mail '{subject_starts}…' to {address}")


def body_of(message: Message) -> str:
    part = message.get_body(("plain",)) if hasattr(message, "get_body") else message
    payload = (part or message).get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode("utf-8")


def event_of(demo: Demo, page: Any) -> dict[str, Any]:
    programme = page.request.get(f"{demo.base_url}/api/sessions").json()
    return dict(programme["events"][-1])


@pytest.mark.timeout(240)
def test_from_apply_to_an_uploaded_statement(
    demo: Demo, open_screen: Callable[..., Screen], artifacts: Path, recording: Path
) -> None:
    applicant = open_screen(language="fr", timezone_id=APPLICANT_ZONE)
    page = applicant.page
    page.goto("/apply")
    # Both deadlines, in Geneva's time and in the applicant's.
    deadlines = page.locator(".deadlines")
    expect(deadlines.locator(".event-time").first).to_contain_text("Europe/Zurich")
    expect(deadlines.locator(".local-time").first).to_contain_text(APPLICANT_ZONE)

    # Sent empty: every problem is listed, the list takes the focus, nothing is sent.
    page.get_by_role("button", name="Envoyer la candidature").click()
    summary = page.locator("#problems")
    expect(summary).to_be_focused()
    expect(summary.locator("li")).to_have_count(8)
    expect(page.locator("#field-organisation")).to_have_attribute("aria-invalid", "true")
    applicant.shot(artifacts, "apply-problems-fr")
    summary.get_by_role("link", name="Indiquez une adresse électronique").click()
    expect(page.locator("#field-contact_email")).to_be_focused()

    page.get_by_label("Nom de l’organisation").fill(ORGANISATION)
    page.locator("input[name=kind][value=cso]").check()
    page.locator("input[name=scope][value=national]").check()
    page.get_by_label("Pays où l’organisation est établie").select_option("BE")
    page.locator(f"input[name=sessions][value='{SESSION}']").check()
    page.get_by_label("Nom", exact=True).fill("Nadia Haddad")
    page.get_by_label("Adresse électronique").fill("pas-une-adresse")
    page.get_by_label("Les questions que vous aborderiez").fill(
        "<b>Détention</b> provisoire et droits des personnes migrantes."
    )
    page.locator("#field-consent").check()
    page.get_by_role("button", name="Envoyer la candidature").click()
    expect(summary.locator("li")).to_have_count(1)
    page.get_by_label("Adresse électronique").fill(CONTACT)
    page.get_by_role("button", name="Envoyer la candidature").click()
    received = page.locator("#received")
    expect(received).to_contain_text("Candidature reçue")
    expect(received).to_contain_text(CONTACT)
    applicant.shot(artifacts, "apply-received-fr")
    # Written in the application's working language: the page's (French) unless changed.
    confirmation = mail_to(demo, CONTACT, "Candidature reçue")
    assert ORGANISATION in body_of(confirmation)

    # A moderator accepts it for the session, with a message.
    moderator = open_screen(demo.invitations["moderator"])
    moderator.page.goto(f"/moderator?session={SESSION}")
    # One more place in the session first (the demo fills three of six).
    moderator.page.get_by_label("Speaker places in this session").fill("7")
    moderator.page.get_by_role("button", name="Save the number of places").click()
    expect(moderator.page.locator("#applications .cap")).to_contain_text("of 7 places")
    item = moderator.page.locator("#applications .application", has_text=ORGANISATION)
    # Text stays text: the markup the applicant typed is shown, not interpreted.
    expect(item.locator(".application-summary")).to_contain_text("<b>Détention</b>")
    item.get_by_label("Message to the applicant").fill("Welcome: five minutes at most.")
    item.get_by_role("button", name="Accept and invite").click()
    expect(moderator.page.locator("#applications .form-status").first).to_contain_text("accepted")
    expect(item.locator(".decision")).to_contain_text("Accepted")
    moderator.shot(artifacts, "moderator-applications")

    # The invitation in the decision mail signs the speaker in, on the speaker's page.
    decision = body_of(mail_to(demo, CONTACT, "Votre candidature"))
    assert "Welcome: five minutes at most." in decision
    link = re.search(r"(http://\S+/join/\S+)", decision)
    assert link, decision
    speaker = open_screen(language="fr")
    speaker.page.goto(link.group(1))
    expect(speaker.page).to_have_url(re.compile(r"/speaker$"))
    card = speaker.page.locator(".statement-card")
    expect(card).to_have_count(1)
    card.get_by_label("Fichier vidéo").set_input_files(recording)
    card.get_by_role("button", name="Envoyer", exact=True).click()
    expect(card.locator(".state")).to_have_attribute("data-state", "ready", timeout=90_000)

    # The speaker's choices for after the session; the record follows them.
    card.get_by_label("Seulement aux participants de la session").check()
    card.get_by_role("button", name="Enregistrer mes choix").click()
    expect(card.locator(".consent .form-status")).to_have_text("Vos choix sont enregistrés.")
    record = moderator.page.request.get(f"{demo.base_url}/api/sessions/{SESSION}/record").json()
    mine = [s for s in record["statements"] if s["organisation"] == ORGANISATION]
    assert len(mine) == 1
    assert mine[0]["publication"] == "participants"
    assert mine[0]["state"] == "ready"
    speaker.shot(artifacts, "speaker-after-application")
    for screen in (applicant, moderator, speaker):
        assert screen.errors == []


@pytest.mark.timeout(60)
def test_the_form_closes_at_the_deadline(demo: Demo, open_screen: Callable[..., Screen]) -> None:
    screen = open_screen(timezone_id=APPLICANT_ZONE)
    closes_at = datetime.fromisoformat(event_of(demo, screen.page)["application_deadline"])

    # Two seconds before the deadline the form is there; at the deadline it closes itself.
    screen.page.clock.install(time=closes_at - timedelta(seconds=2))
    screen.page.goto("/apply")
    expect(screen.page.locator("#application")).to_be_visible()
    screen.page.clock.run_for(3_000)
    expect(screen.page.locator(".call-closed")).to_contain_text("Applications closed on")
    expect(screen.page.get_by_role("button", name="Send the application")).to_be_disabled()

    # Opened one second after the deadline: a notice, and no form.
    late = open_screen(timezone_id=APPLICANT_ZONE)
    late.page.clock.install(time=closes_at + timedelta(seconds=1))
    late.page.goto("/apply")
    expect(late.page.locator(".call-closed h2")).to_have_text("The call for applications is closed")
    expect(late.page.locator("#application")).to_have_count(0)
    for each in (screen, late):
        assert each.errors == []


@pytest.mark.timeout(90)
def test_organisers_move_the_deadlines_in_the_event_time_zone(
    demo: Demo, open_screen: Callable[..., Screen]
) -> None:
    # The moderator's browser is in Tokyo; the deadlines are entered in Geneva's time.
    moderator = open_screen(demo.invitations["moderator"], timezone_id="Asia/Tokyo")
    page = moderator.page
    before = event_of(demo, page)
    url = f"{demo.base_url}/api/events/{before['id']}"
    closes = datetime.fromisoformat(before["application_deadline"]) + timedelta(days=1)
    geneva_wall = closes.astimezone(ZoneInfo("Europe/Zurich")).strftime("%Y-%m-%dT%H:%M")
    try:
        page.goto("/moderator?session=1")
        page.locator("#event-deadlines summary").click()
        page.get_by_label("Applications close").fill(geneva_wall)
        page.get_by_role("button", name="Save the deadlines").click()
        expect(page.locator("#event-settings .form-status")).to_have_text("Deadlines saved.")
        after = event_of(demo, page)
        assert datetime.fromisoformat(after["application_deadline"]) == closes.replace(second=0)
        assert after["statement_deadline"] == before["statement_deadline"]
    finally:
        page.request.patch(
            url,
            data={key: before[key] for key in ("application_deadline", "statement_deadline")},
            headers={"Origin": demo.base_url},
        )
    assert event_of(demo, page)["application_deadline"] == before["application_deadline"]

    # One speaker gets more time, entered in Geneva's time too; then the event's again.
    speaker = demo.speaker(EXTENDED_SESSION)
    page.goto(f"/moderator?session={EXTENDED_SESSION}")
    item = page.locator(f"#review [data-statement='{speaker['statement']}']")
    item.locator("summary").click()
    item.get_by_label("New deadline (event time, Europe/Zurich)").fill("2030-01-15T18:30")
    item.get_by_role("button", name="Give this deadline").click()
    expect(item.locator("summary")).to_contain_text("Own deadline")
    statement = page.request.get(f"{demo.base_url}/api/statements/{speaker['statement']}").json()
    assert datetime.fromisoformat(statement["deadline"]) == datetime(
        2030, 1, 15, 17, 30, tzinfo=UTC
    )
    item.get_by_role("button", name="Back to the event's deadline").click()
    expect(item.locator("summary")).to_have_text("Give this speaker a later deadline")
    statement = page.request.get(f"{demo.base_url}/api/statements/{speaker['statement']}").json()
    assert statement["deadline"] is None

    # The conversion itself, against Python's zoneinfo (fold=0: the first of a repeated time;
    # a time skipped by summer time counts with the offset before the change, so it moves
    # forward): plain times, and both changes of summer time in Geneva and New York.
    cases = [
        ("2026-12-06T23:59", "Europe/Zurich"),
        ("2026-07-01T12:00", "Europe/Zurich"),
        ("2026-03-29T02:30", "Europe/Zurich"),  # skipped
        ("2026-03-29T03:30", "Europe/Zurich"),
        ("2026-10-25T02:30", "Europe/Zurich"),  # happens twice
        ("2026-10-25T01:30", "Europe/Zurich"),
        ("2026-03-08T02:30", "America/New_York"),  # skipped
        ("2026-11-01T01:30", "America/New_York"),  # happens twice
        ("2026-12-01T09:00", "Asia/Tokyo"),
    ]
    converted = page.evaluate(
        """async (cases) => {
          const { fromZonedInput } = await import("/static/js/i18n.js");
          return cases.map(([value, zone]) => fromZonedInput(value, zone).toISOString());
        }""",
        [list(case) for case in cases],
    )
    expected = [
        datetime.fromisoformat(value)
        .replace(tzinfo=ZoneInfo(zone), fold=0)
        .astimezone(UTC)
        .strftime("%Y-%m-%dT%H:%M:%S.000Z")
        for value, zone in cases
    ]
    assert converted == expected
    assert moderator.errors == []


@pytest.mark.timeout(90)
def test_an_application_sent_after_the_call_closed_stays_on_screen(
    demo: Demo, open_screen: Callable[..., Screen]
) -> None:
    applicant = open_screen()
    page = applicant.page
    page.goto("/apply")
    page.get_by_label("Name of the organisation").fill("Late Coalition")
    page.locator("input[name=kind][value=coalition]").check()
    page.locator("input[name=scope][value=international]").check()
    page.locator(f"input[name=sessions][value='{SESSION}']").check()
    page.get_by_label("Name", exact=True).fill("Sam Late")
    page.get_by_label("E-mail address").fill("sam@example.org")
    page.get_by_label("The issues you would raise").fill("Freedom of assembly.")
    page.locator("#field-consent").check()
    # A reload (a dropped connection, a slip of the finger) keeps what was typed.
    page.reload()
    expect(page.get_by_label("Name of the organisation")).to_have_value("Late Coalition")
    expect(page.locator("input[name=kind][value=coalition]")).to_be_checked()
    expect(page.locator(f"input[name=sessions][value='{SESSION}']")).to_be_checked()
    expect(page.locator("#field-consent")).to_be_checked()
    expect(page.get_by_label("The issues you would raise")).to_have_value("Freedom of assembly.")

    # Meanwhile the organisers close the call a minute ago.
    moderator = open_screen(demo.invitations["moderator"])
    before = event_of(demo, moderator.page)
    url = f"{demo.base_url}/api/events/{before['id']}"
    closed_at = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    try:
        moderator.page.request.patch(
            url,
            data={"application_deadline": closed_at.isoformat()},
            headers={"Origin": demo.base_url},
        )
        page.get_by_role("button", name="Send the application").click()
        notice = page.locator(".call-closed")
        expect(notice).to_contain_text("The call for applications is closed")
        expect(notice).to_be_focused()
        # What was typed is still there to copy, and nothing was recorded.
        expect(page.get_by_label("Name of the organisation")).to_have_value("Late Coalition")
        expect(page.get_by_label("Name of the organisation")).to_be_disabled()
        listed = moderator.page.request.get(
            f"{demo.base_url}/api/sessions/{SESSION}/applications"
        ).json()
        assert "Late Coalition" not in [a["organisation"] for a in listed["applications"]]
    finally:
        moderator.page.request.patch(
            url,
            data={"application_deadline": before["application_deadline"]},
            headers={"Origin": demo.base_url},
        )
    assert applicant.errors == []
