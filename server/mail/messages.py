"""The messages the platform sends, as plain text."""

from __future__ import annotations

from datetime import datetime

from server.mail.mailer import Mail

_ROLE_TEXT = {
    "speaker": "to upload your statement and to answer questions in the live session",
    "delegate": "to watch the statements and to ask questions in the live session",
    "moderator": "to moderate the sessions",
    "admin": "to run the event",
}


def invitation_mail(
    *,
    to: str,
    name: str,
    role: str,
    event: str,
    session: str | None,
    link: str,
    expires_at: datetime,
) -> Mail:
    where = f"{event}, {session}" if session else event
    return Mail(
        to=to,
        subject=f"Your invitation: {where}",
        text=(
            f"Dear {name},\n\n"
            f"You are invited to {where}, {_ROLE_TEXT.get(role, 'to take part')}.\n\n"
            f"Your personal link (do not forward it: it signs you in):\n{link}\n\n"
            f"It is valid until {expires_at:%d %B %Y, %H:%M} UTC.\n"
        ),
    )


def application_received_mail(
    *, to: str, name: str, organisation: str, event: str, sessions: list[str]
) -> Mail:
    return Mail(
        to=to,
        subject=f"Application received: {event}",
        text=(
            f"Dear {name},\n\n"
            f"We have received the application of {organisation} to speak at {event}, on:\n"
            + "".join(f"- {session}\n" for session in sessions)
            + "\nThe organisers will write to you once they have reviewed it.\n"
        ),
    )


def decision_mail(
    *,
    to: str,
    name: str,
    organisation: str,
    event: str,
    session: str,
    decision: str,
    message: str | None,
    link: str | None,
) -> Mail:
    outcome = {
        "accepted": "has been accepted",
        "waitlisted": "is on the waiting list",
        "rejected": "could not be accepted this time",
    }[decision]
    text = f"Dear {name},\n\nThe application of {organisation} for {event}, {session}, {outcome}.\n"
    if message:
        text += f"\nA word from the organisers:\n{message}\n"
    if link:
        text += (
            "\nYour personal link to upload your statement (do not forward it: it signs you"
            f" in):\n{link}\n"
        )
    return Mail(to=to, subject=f"Your application: {event}, {session}", text=text)
