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
