"""Our server's own line to Janus: one Janus session with one VideoRoom handle, over the HTTP
API on 127.0.0.1, authenticated with the API secret. Rooms are created, edited and destroyed
only through here.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping
from typing import Any

import aiohttp

VIDEOROOM = "janus.plugin.videoroom"
_TIMEOUT = aiohttp.ClientTimeout(total=10)


class JanusError(Exception):
    """Janus refused a request or could not be reached; `code` is Janus's own when it gave one."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class JanusUnreachable(JanusError):
    """Janus does not answer (down, restarting) or forgot our session (it restarted)."""

    def __init__(self, message: str, code: int | None = None, *, slow: bool = False) -> None:
        super().__init__(message, code)
        self.slow = slow  # only late: it may answer the next time


def signed_token(secret: str, lifetime_s: float, now: float | None = None) -> str:
    """A Janus core token for the VideoRoom plugin, valid `lifetime_s` from now.

    Janus's signed-token format: "<expiry>,janus,<plugins>:" + base64(HMAC-SHA1(secret, left)).
    """
    expiry = int((time.time() if now is None else now) + lifetime_s)
    left = f"{expiry},janus,{VIDEOROOM}"
    digest = hmac.new(secret.encode(), left.encode(), hashlib.sha1).digest()
    return f"{left}:{base64.b64encode(digest).decode()}"


class JanusClient:
    """Synchronous VideoRoom requests (create, destroy, allowed, kick, listparticipants, ...)."""

    def __init__(self, url: str, api_secret: str) -> None:
        self._url = url.rstrip("/")
        self._api_secret = api_secret
        self._http: aiohttp.ClientSession | None = None
        self._session_id: int | None = None
        self._handle_id: int | None = None
        self._connecting = asyncio.Lock()

    @property
    def url(self) -> str:
        return self._url

    async def close(self) -> None:
        if self._http is not None:
            if self._session_id is not None:
                with contextlib.suppress(JanusError):
                    await self._post(self._url + f"/{self._session_id}", {"janus": "destroy"})
            await self._http.close()
        self._http = self._session_id = self._handle_id = None

    async def info(self) -> dict[str, Any]:
        """Janus's `info` answer (version, plugins): a cheap liveness check."""
        http = self._client()
        try:
            async with http.get(self._url + "/info") as response:
                answer: dict[str, Any] = await response.json(content_type=None)
                return answer
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            raise JanusUnreachable(f"Janus does not answer at {self._url}: {error}") from error

    async def connect(self) -> None:
        """Create our Janus session and attach to the VideoRoom plugin (again after a restart)."""
        self._session_id = self._handle_id = None
        created = await self._post(self._url, {"janus": "create"})
        session_id = int(created["data"]["id"])
        attached = await self._post(
            self._url + f"/{session_id}", {"janus": "attach", "plugin": VIDEOROOM}
        )
        self._session_id, self._handle_id = session_id, int(attached["data"]["id"])

    async def keepalive(self) -> None:
        if self._session_id is None:
            await self.connect()
            return
        await self._post(self._url + f"/{self._session_id}", {"janus": "keepalive"})

    async def request(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """A synchronous VideoRoom request; its `plugindata.data`, or JanusError."""
        if self._handle_id is None:
            async with self._connecting:  # one session of ours, however many ask at once
                if self._handle_id is None:
                    await self.connect()
        path = f"{self._url}/{self._session_id}/{self._handle_id}"
        answer = await self._post(path, {"janus": "message", "body": dict(body)})
        data: dict[str, Any] = answer.get("plugindata", {}).get("data", {})
        if "error_code" in data:
            raise JanusError(str(data.get("error", "VideoRoom error")), int(data["error_code"]))
        return data

    async def _post(self, url: str, message: dict[str, Any]) -> dict[str, Any]:
        message = {**message, "transaction": secrets.token_hex(8), "apisecret": self._api_secret}
        try:
            async with self._client().post(url, json=message) as response:
                answer: dict[str, Any] = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            self._session_id = self._handle_id = None
            raise JanusUnreachable(
                f"Janus does not answer at {self._url}: {error!r}",
                slow=isinstance(error, TimeoutError),
            ) from error
        if answer.get("janus") == "error":
            refusal = answer.get("error", {})
            code = int(refusal.get("code", 0))
            if code in (458, 459):  # no such session / handle: Janus restarted
                self._session_id = self._handle_id = None
                raise JanusUnreachable(f"Janus forgot our session ({code})", code)
            raise JanusError(str(refusal.get("reason", "Janus error")), code)
        return answer

    def _client(self) -> aiohttp.ClientSession:
        if self._http is None:
            self._http = aiohttp.ClientSession(timeout=_TIMEOUT)
        return self._http
