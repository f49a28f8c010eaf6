"""Signing in with an invitation, finding who holds a bearer token, signing out."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from server.db import Database
from server.errors import Unauthenticated
from server.identity.principal import ORGANISER_ROLES, Principal
from server.identity.tokens import InvitationSigner, hash_bearer_token, new_bearer_token
from server.models import CountrySession, Invitation, Login, Person, SessionAccess, utcnow
from server.settings import Settings

# Told the bearer token of every sign-out, after its row is gone (its open connections end).
SignedOut = Callable[[str], Awaitable[object]]


@dataclass(frozen=True)
class SignedIn:
    bearer: str
    person: Person
    landing_session_id: int | None
    expires_at: datetime


class Identity:
    def __init__(self, database: Database, secret: str, login_days: int) -> None:
        self._database = database
        self._signer = InvitationSigner(secret)
        self._login_lifetime = timedelta(days=login_days)
        self._on_signed_out: list[SignedOut] = []

    @classmethod
    def from_settings(cls, database: Database, settings: Settings) -> Identity:
        return cls(database, settings.secret, settings.login_days)

    def on_signed_out(self, callback: SignedOut) -> None:
        """Call `callback(bearer)` after each sign-out here, in the order they were added."""
        self._on_signed_out.append(callback)

    def invitation_token(self, invitation: Invitation) -> str:
        return self._signer.sign(invitation.id, invitation.expires_at)

    async def sign_in(self, invitation_token: str) -> SignedIn:
        """Exchange an invitation for a new bearer token."""
        now = utcnow()
        claim = self._signer.verify(invitation_token, now)
        async with self._database.write() as session:
            invitation = await session.get(
                Invitation,
                claim.invitation_id,
                options=[selectinload(Invitation.person).selectinload(Person.organisation)],
            )
            if invitation is None or invitation.revoked_at is not None:
                raise Unauthenticated(
                    "This invitation has been withdrawn. Ask the organisers for a new one.",
                    code="invitation_revoked",
                )
            if invitation.expires_at <= now:
                raise Unauthenticated(
                    "This invitation link has expired. Ask the organisers for a new one.",
                    code="invitation_expired",
                )
            invitation.last_used_at = now
            await session.execute(
                delete(Login).where(
                    Login.person_id == invitation.person_id, Login.expires_at <= now
                )
            )
            bearer = new_bearer_token()
            expires_at = now + self._login_lifetime
            session.add(
                Login(
                    token_hash=hash_bearer_token(bearer),
                    person_id=invitation.person_id,
                    expires_at=expires_at,
                )
            )
            await session.refresh(invitation.person, ["mission"])
            return SignedIn(bearer, invitation.person, invitation.country_session_id, expires_at)

    async def principal(self, bearer: str, *, via_cookie: bool = False) -> Principal | None:
        """The person holding this bearer token, or None when it is unknown or expired."""
        async with self._database.read() as session:
            login = await session.get(
                Login, hash_bearer_token(bearer), options=[selectinload(Login.person)]
            )
            if login is None or login.expires_at <= utcnow():
                return None
            person = login.person
            session_ids = await _session_ids(session, person)
        return Principal(
            person_id=person.id,
            event_id=person.event_id,
            name=person.name,
            role=person.role,
            organisation_id=person.organisation_id,
            mission_id=person.mission_id,
            session_ids=session_ids,
            via_cookie=via_cookie,
        )

    async def still_signed_in(self, bearer: str) -> bool:
        """Whether this sign-in is still valid: not signed out (here or in another server
        process) and not expired. One lookup by primary key."""
        async with self._database.read() as session:
            expires_at = await session.scalar(
                select(Login.expires_at).where(Login.token_hash == hash_bearer_token(bearer))
            )
        return expires_at is not None and expires_at > utcnow()

    async def sign_out(self, bearer: str) -> None:
        async with self._database.write() as session:
            await session.execute(
                delete(Login).where(Login.token_hash == hash_bearer_token(bearer))
            )
        for callback in self._on_signed_out:
            await callback(bearer)


async def _session_ids(session: AsyncSession, person: Person) -> frozenset[int]:
    if person.role in ORGANISER_ROLES:
        query = select(CountrySession.id).where(CountrySession.event_id == person.event_id)
    else:
        query = select(SessionAccess.country_session_id).where(SessionAccess.person_id == person.id)
    return frozenset((await session.scalars(query)).all())
