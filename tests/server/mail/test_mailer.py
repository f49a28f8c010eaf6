"""Invitations by mail: the outbox by default, a real SMTP server (aiosmtpd) when configured."""

from __future__ import annotations

import dataclasses
import email
from collections.abc import Awaitable, Callable, Iterator
from email.message import Message
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from aiosmtpd.controller import Controller

from server.app import create_app
from server.keys import DATABASE, IDENTITY
from server.mail.mailer import parse_smtp_url
from server.settings import Settings, SettingsError
from tests.conftest import ClientFactory
from tests.factories import Seed, seed
from tests.processes import free_port

Client = TestClient  # type: ignore[type-arg]
Bearer = Callable[[str], Awaitable[dict[str, str]]]


class Inbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


async def invite_by_mail(client: Client, seeded: Seed, headers: dict[str, str]) -> dict[str, Any]:
    response = await client.post(
        f"/api/sessions/{seeded.session_id}/invitations",
        json={"role": "delegate", "mission": "CL", "name": "Ana Díaz", "email": "ana@example.org"},
        headers=headers,
    )
    assert response.status == 201, await response.text()
    body: dict[str, Any] = await response.json()
    return body


async def test_without_smtp_the_mail_waits_in_the_outbox(
    client: Client, seeded: Seed, bearer: Bearer, settings: Settings
) -> None:
    invitation = await invite_by_mail(client, seeded, await bearer("moderator"))
    assert invitation["mailed"] is True
    [kept] = list(settings.outbox_dir.glob("*.eml"))
    message = email.message_from_bytes(kept.read_bytes())
    assert message["To"] == "ana@example.org"
    assert "Test pre-sessions, Belgium" in message["Subject"]
    assert invitation["link"] in message.get_payload(decode=True).decode()


async def with_smtp(
    aiohttp_client: ClientFactory, settings: Settings, port: int
) -> tuple[Client, Seed, dict[str, str]]:
    """The app sending mail to an SMTP server on this port; seeded, the moderator signed in."""
    configured = dataclasses.replace(settings, smtp_url=f"smtp://127.0.0.1:{port}")
    client: Client = await aiohttp_client(create_app(configured))
    seeded = await seed(client.server.app[DATABASE], client.server.app[IDENTITY])
    login = await client.post("/api/login", json={"invitation": seeded.tokens["moderator"]})
    return client, seeded, {"Authorization": f"Bearer {(await login.json())['token']}"}


async def test_through_a_real_smtp_server(
    aiohttp_client: ClientFactory, settings: Settings, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    client, seeded, headers = await with_smtp(aiohttp_client, settings, port)
    invitation = await invite_by_mail(client, seeded, headers)
    assert invitation["mailed"] is True
    [message] = inbox.messages
    assert message["To"] == "ana@example.org"
    assert message["From"] == settings.mail_from
    body = message.get_payload(decode=True).decode()
    assert "Dear Ana Díaz" in body
    assert invitation["link"] in body
    assert not list(settings.outbox_dir.glob("*.eml"))


async def test_a_mail_server_that_is_down_does_not_lose_the_invitation(
    aiohttp_client: ClientFactory, settings: Settings
) -> None:
    client, seeded, headers = await with_smtp(aiohttp_client, settings, free_port())
    invitation = await invite_by_mail(client, seeded, headers)
    assert invitation["mailed"] is False
    signed_in = await client.post("/api/login", json={"invitation": invitation["token"]})
    assert signed_in.status == 200


def test_smtp_urls() -> None:
    plain = parse_smtp_url("smtp://mail.example.org")
    assert (plain.hostname, plain.port, plain.use_tls, plain.start_tls) == (
        "mail.example.org",
        25,
        False,
        False,
    )
    submission = parse_smtp_url("smtp+starttls://user%40org:p%3Ass@mail.example.org")
    assert (submission.port, submission.start_tls) == (587, True)
    assert (submission.username, submission.password) == ("user@org", "p:ss")
    assert parse_smtp_url("smtps://mail.example.org:2465").port == 2465
    with pytest.raises(ValueError, match="not an SMTP URL"):
        parse_smtp_url("http://mail.example.org")
    with pytest.raises(SettingsError):
        Settings.from_env(
            {"PRESESSION_SECRET": "s" * 40, "PRESESSION_SMTP_URL": "mail.example.org"}
        )
