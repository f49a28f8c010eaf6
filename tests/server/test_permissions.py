"""The permission map, route by route and role by role, including anonymous callers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from aiohttp.test_utils import TestClient

from server.app import create_app
from server.settings import Settings
from server.web import permissions
from tests.factories import Seed

Client = TestClient  # type: ignore[type-arg]
CALLERS = ("anonymous", "admin", "moderator", "speaker", "delegate", "other_delegate")
ALL = frozenset(CALLERS)
SIGNED_IN = ALL - {"anonymous"}
IN_SESSION = frozenset({"admin", "moderator", "speaker", "delegate"})
ORGANISERS = frozenset({"admin", "moderator"})

# (route name, method, path, JSON body, callers allowed). {s} is the Belgium session every
# caller but `other_delegate` belongs to; {t} a valid invitation. Written out by hand: this is
# the specification the map must meet.
EXPECTED = [
    ("home", "GET", "/", None, ALL),
    ("page", "GET", "/moderator", None, ALL),
    ("client", "GET", "/static/style.css", None, ALL),
    ("healthz", "GET", "/healthz", None, ALL),
    ("join", "GET", "/join/{t}", None, ALL),
    ("login", "POST", "/api/login", {}, ALL),
    ("logout", "POST", "/api/logout", {}, SIGNED_IN),
    ("me", "GET", "/api/me", None, SIGNED_IN),
    ("sessions.list", "GET", "/api/sessions", None, ALL),
    ("sessions.detail", "GET", "/api/sessions/{s}", None, IN_SESSION),
    ("calendar", "GET", "/api/sessions.ics", None, ALL),
    ("record", "GET", "/api/sessions/{s}/record", None, ORGANISERS),
    ("record.csv", "GET", "/api/sessions/{s}/record.csv", None, ORGANISERS),
    ("record.page", "GET", "/sessions/{s}/record", None, ORGANISERS),
    ("calendar.session", "GET", "/api/sessions/{s}.ics", None, ALL),
    ("invitations.create", "POST", "/api/sessions/{s}/invitations", {}, ORGANISERS),
    # The Engine.IO handshake is open; Socket.IO's connect and every event check the caller
    # (tests/server/live/test_live_permissions.py).
    ("live", "GET", "/socket.io/?EIO=4&transport=polling", None, ALL),
]


def test_every_route_is_in_this_table(settings: Settings) -> None:
    app = create_app(settings)
    names = {route.name for route in app.router.routes()}
    assert names == {entry[0] for entry in EXPECTED} == set(permissions.PERMISSIONS)
    for name, method, path, _, _ in EXPECTED:
        resolved = app.router[name]
        assert resolved.url_for is not None
        assert any(route.method == method for route in resolved), (name, method)
        assert path.startswith(resolved.canonical.split("{")[0].rstrip("/")), (name, path)


def test_a_route_missing_from_the_map_stops_start_up(settings: Settings) -> None:
    app = create_app(settings)

    async def handler(request: object) -> None:
        raise AssertionError

    app.router.add_get("/api/secret", handler, name="unmapped")  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="no permission rule"):
        permissions.check_map_covers(app)


@pytest.mark.parametrize(("name", "method", "path", "body", "allowed"), EXPECTED)
async def test_route_by_role(
    client: Client,
    seeded: Seed,
    bearer: Callable[[str], Awaitable[dict[str, str]]],
    name: str,
    method: str,
    path: str,
    body: dict[str, object] | None,
    allowed: frozenset[str],
) -> None:
    url = path.format(s=seeded.session_id, t=seeded.tokens["delegate"])
    for caller in CALLERS:
        headers = {} if caller == "anonymous" else await bearer(caller)
        client.session.cookie_jar.clear()
        response = await client.request(method, url, json=body, headers=headers)
        if caller in allowed:
            assert response.status not in (401, 403), (caller, url, await response.text())
        else:
            expected = 401 if caller == "anonymous" else 403
            assert response.status == expected, (caller, url, response.status)
            error = (await response.json())["error"]
            assert error["code"] in ("unauthenticated", "forbidden")
            assert error["message"]
