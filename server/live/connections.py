"""Which live connections each sign-in holds in this process, so that a sign-in that ends
(signed out, or expired) loses its open connections too, not only its next HTTP request.

Two sources are read, so that neither alone can keep a connection open: the register kept
as connections come and go, and the Socket.IO server's own sessions (each records the
sign-in it was opened with), read at every sign-out and every sweep.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from sqlalchemy import select

from server.db import Database
from server.identity.tokens import hash_bearer_token
from server.models import Login, utcnow

log = logging.getLogger(__name__)
Disconnect = Callable[[str], Awaitable[None]]
# Every open connection of this process: connection id -> the hash of its sign-in's token.
Holders = Callable[[], Awaitable[dict[str, str]]]


async def _nobody() -> dict[str, str]:
    return {}


class SignedInConnections:
    def __init__(self, database: Database) -> None:
        self._database = database
        self._by_sign_in: dict[str, set[str]] = {}  # token hash -> connection ids
        self._sign_in_of: dict[str, str] = {}  # connection id -> token hash
        self._disconnect: Disconnect | None = None
        self._holders: Holders = _nobody

    def bind(self, disconnect: Disconnect, holders: Holders) -> None:
        """How a connection is closed (the Socket.IO server's `disconnect`), and how the
        Socket.IO server's own sessions are read."""
        self._disconnect = disconnect
        self._holders = holders

    def add(self, token: str, sid: str) -> None:
        token_hash = hash_bearer_token(token)
        self._by_sign_in.setdefault(token_hash, set()).add(sid)
        self._sign_in_of[sid] = token_hash

    def remove(self, sid: str) -> bool:
        """Forget a closed connection; whether it was held."""
        token_hash = self._sign_in_of.pop(sid, None)
        if token_hash is None:
            return False
        sids = self._by_sign_in.get(token_hash, set())
        sids.discard(sid)
        if not sids:
            self._by_sign_in.pop(token_hash, None)
        return True

    def count(self) -> int:
        """How many connections the register holds."""
        return len(self._sign_in_of)

    async def end(self, token: str) -> int:
        """Close this sign-in's connections held here; how many there were."""
        return await self._close({hash_bearer_token(token)}, await self._holders())

    async def sweep(self) -> int:
        """Close the connections whose sign-in has ended since (signed out in another server
        process, or expired); how many were closed."""
        holders = await self._holders()
        held = set(self._by_sign_in) | set(holders.values())
        if not held:
            return 0
        now = utcnow()
        async with self._database.read() as session:
            valid = set(
                (
                    await session.scalars(
                        select(Login.token_hash).where(
                            Login.token_hash.in_(held), Login.expires_at > now
                        )
                    )
                ).all()
            )
        return await self._close(held - valid, holders)

    async def _close(self, ended: set[str], holders: dict[str, str]) -> int:
        sids = {sid for token_hash in ended for sid in self._by_sign_in.get(token_hash, ())}
        sids |= {sid for sid, token_hash in holders.items() if token_hash in ended}
        if self._disconnect is not None:
            for sid in sorted(sids):
                await self._disconnect(sid)
        if sids:
            log.info("live room: closed %d connection(s) of an ended sign-in", len(sids))
        return len(sids)
