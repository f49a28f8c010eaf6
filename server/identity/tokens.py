"""Invitation tokens (signed, expiring) and bearer tokens (random, stored hashed)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from itsdangerous import BadSignature, URLSafeSerializer

from server.errors import Unauthenticated

_INVITATION_SALT = "presession.invitation.v1"
# The HttpOnly cookie that carries a browser's bearer token.
SESSION_COOKIE = "presession_session"


@dataclass(frozen=True)
class InvitationClaim:
    invitation_id: int
    expires_at: datetime


class InvitationSigner:
    """Signs `(invitation id, expiry)`; the same invitation always gives the same link."""

    def __init__(self, secret: str) -> None:
        self._serializer = URLSafeSerializer(secret, salt=_INVITATION_SALT)

    def sign(self, invitation_id: int, expires_at: datetime) -> str:
        return self._serializer.dumps([invitation_id, int(expires_at.timestamp())])

    def verify(self, token: str, now: datetime) -> InvitationClaim:
        """The claim of an authentic, unexpired token; `Unauthenticated` otherwise."""
        try:
            payload = self._serializer.loads(token)
        except BadSignature as error:
            raise Unauthenticated(
                "This invitation link is not valid. Check that it was copied whole.",
                code="invitation_invalid",
            ) from error
        match payload:
            case [int(invitation_id), int(expires)]:
                claim = InvitationClaim(invitation_id, datetime.fromtimestamp(expires, UTC))
            case _:
                raise Unauthenticated(
                    "This invitation link is not valid.", code="invitation_invalid"
                )
        if claim.expires_at <= now:
            raise Unauthenticated(
                "This invitation link has expired. Ask the organisers for a new one.",
                code="invitation_expired",
            )
        return claim


def new_bearer_token() -> str:
    return secrets.token_urlsafe(32)


def hash_bearer_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
