"""Sending mail: one small interface. The default keeps each message in an outbox folder (a
demo needs no mail server); with `PRESESSION_SMTP_URL` set, messages go out through SMTP.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

import aiosmtplib

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str


class Mailer(Protocol):
    async def send(self, mail: Mail) -> None: ...


def compose(mail: Mail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message.set_content(mail.text)
    return message


class OutboxMailer:
    """Writes each message to `DATA_DIR/outbox/*.eml` and says so in the log."""

    def __init__(self, outbox: Path, sender: str) -> None:
        self._outbox = outbox
        self._sender = sender

    async def send(self, mail: Mail) -> None:
        message = compose(mail, self._sender)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        path = self._outbox / f"{stamp}-{secrets.token_hex(4)}.eml"
        await asyncio.to_thread(self._write, path, message.as_bytes())
        log.info("mail to %s (%s) kept in %s", mail.to, mail.subject, path)

    def _write(self, path: Path, data: bytes) -> None:
        self._outbox.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


@dataclass(frozen=True)
class SmtpServer:
    hostname: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool  # smtps: TLS from the first byte
    start_tls: bool  # smtp+starttls: upgrade after connecting


def parse_smtp_url(url: str) -> SmtpServer:
    """`smtp://[user:pass@]host[:port]`, `smtp+starttls://…` (587) or `smtps://…` (465)."""
    parts = urlsplit(url)
    defaults = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
    if parts.scheme not in defaults or not parts.hostname:
        raise ValueError(f"not an SMTP URL (smtp://, smtp+starttls://, smtps://): {url!r}")
    return SmtpServer(
        hostname=parts.hostname,
        port=parts.port or defaults[parts.scheme],
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        use_tls=parts.scheme == "smtps",
        start_tls=parts.scheme == "smtp+starttls",
    )


class SmtpMailer:
    def __init__(self, server: SmtpServer, sender: str, time_limit: float = 30.0) -> None:
        self._server = server
        self._sender = sender
        self._time_limit = time_limit

    async def send(self, mail: Mail) -> None:
        server = self._server
        await aiosmtplib.send(
            compose(mail, self._sender),
            hostname=server.hostname,
            port=server.port,
            username=server.username,
            password=server.password,
            use_tls=server.use_tls,
            start_tls=server.start_tls,
            timeout=self._time_limit,
        )
        log.info("mail to %s (%s) sent through %s", mail.to, mail.subject, server.hostname)


def mailer_from(smtp_url: str | None, outbox: Path, sender: str) -> Mailer:
    """The mailer the settings ask for: SMTP when a URL is given, the outbox otherwise."""
    if smtp_url:
        return SmtpMailer(parse_smtp_url(smtp_url), sender)
    return OutboxMailer(outbox, sender)
