"""Which live connections each sign-in holds in this process, so that a sign-in that ends
(signed out, or expired) loses its open connections too, not only its next HTTP request."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from sqlalchemy import select

from server.db import Database
from server.identity.tokens import hash_bearer_token
from server.models import Login, utcnow

log = logging.getLogger(__name__)
Disconnect = Callable[[str], Awaitable[None]]


class SignedInConnections:
    def __init__(self, database: Database) -> None:
        self._database = database
        self._by_sign_in: dict[str, set[str]] = {}  # token hash -> connection ids
        self._sign_in_of: dict[str, str] = {}  # connection id -> token hash
        self._disconnect: Disconnect | None = None

    def bind(self, disconnect: Disconnect) -> None:
        """How a connection is closed (the Socket.IO server's `disconnect`)."""
        self._disconnect = disconnect

    def add(self, token: str, sid: str) -> None:
        token_hash = hash_bearer_token(token)
        self._by_sign_in.setdefault(token_hash, set()).add(sid)
        self._sign_in_of[sid] = token_hash

    def remove(self, sid: str) -> None:
        token_hash = self._sign_in_of.pop(sid, None)
        if token_hash is None:
            return
        sids = self._by_sign_in.get(token_hash, set())
        sids.discard(sid)
        if not sids:
            self._by_sign_in.pop(token_hash, None)

    async def end(self, token: str) -> int:
        """Close this sign-in's connections held here; how many there were."""
        return await self._close(hash_bearer_token(token))

    async def sweep(self) -> int:
        """Close the connections whose sign-in has ended since (signed out in another server
        process, or expired); how many were closed."""
        held = list(self._by_sign_in)
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
        closed = 0
        for token_hash in held:
            if token_hash not in valid:
                closed += await self._close(token_hash)
        return closed

    async def _close(self, token_hash: str) -> int:
        sids = list(self._by_sign_in.get(token_hash, ()))
        if self._disconnect is not None:
            for sid in sids:
                await self._disconnect(sid)
        if sids:
            log.info("live room: closed %d connection(s) of an ended sign-in", len(sids))
        return len(sids)
