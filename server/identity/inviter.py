"""Inviting someone and telling them: the invitation, its join link, the mail.

One place for what the invitation views, the review of applications and `presession invite`
share. A mail that cannot be sent never undoes what it reports: the invitation stays valid
and the caller answers `"mailed": false`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

import aiosmtplib
from sqlalchemy.ext.asyncio import AsyncSession

from server.countries import country_name
from server.db import Database
from server.identity.invitations import InvitationRequest, Invited, invite
from server.identity.service import Identity
from server.mail.mailer import Mail, Mailer
from server.mail.messages import invitation_mail
from server.models import CountrySession, Event, Invitation, utcnow
from server.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JoinLink:
    token: str  # the signed invitation token
    url: str  # the link a browser follows: `PUBLIC_URL/join/TOKEN`


class Inviter:
    def __init__(
        self, database: Database, identity: Identity, mailer: Mailer, settings: Settings
    ) -> None:
        self._database = database
        self._identity = identity
        self._mailer = mailer
        self._settings = settings

    @property
    def lifetime(self) -> timedelta:
        """How long a new invitation is valid (`PRESESSION_INVITATION_DAYS`)."""
        return timedelta(days=self._settings.invitation_days)

    async def invite(self, session: AsyncSession, request: InvitationRequest) -> Invited:
        """Invite within the caller's write (`server.identity.invitations.invite`)."""
        return await invite(session, request, now=utcnow(), lifetime=self.lifetime)

    def join_link(self, invitation: Invitation) -> JoinLink:
        token = self._identity.invitation_token(invitation)
        return JoinLink(token, f"{self._settings.public_url}/join/{token}")

    async def mail_invitation(
        self, invited: Invited, link: JoinLink, language: str = "en"
    ) -> bool | None:
        """Send the link to the invited person's address, in `language` (one of the six UN
        languages): None when they gave none, False (and logged) when it could not be sent."""
        person = invited.person
        if not person.email:
            return None
        async with self._database.read() as session:
            session_id = invited.invitation.country_session_id
            country_session = await session.get(CountrySession, session_id) if session_id else None
            event = await session.get(Event, person.event_id)
        return await self.send(
            invitation_mail(
                to=person.email,
                name=person.name,
                role=person.role.value,
                event=event.name if event else "Presession",
                session=(
                    country_name(country_session.country, language) if country_session else None
                ),
                link=link.url,
                expires_at=invited.invitation.expires_at,
                language=language,
            )
        )

    async def send(self, mail: Mail) -> bool:
        """Send one mail; False (and logged) when it could not be sent."""
        try:
            await self._mailer.send(mail)
        except (OSError, aiosmtplib.SMTPException) as error:
            log.warning("could not send '%s' to %s: %s", mail.subject, mail.to, error)
            return False
        return True
