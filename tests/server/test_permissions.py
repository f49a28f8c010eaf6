"""The permission map, route by route and role by role, including anonymous callers."""

from __future__ import annotations

import base64
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
OWNERS = frozenset({"admin", "moderator", "speaker"})  # the statement's speaker, organisers
DELEGATES = frozenset({"delegate", "other_delegate"})

# (route name, method, path, JSON body, callers allowed). {s} is the Belgium session every
# caller but `other_delegate` belongs to; {e} the event everyone belongs to; {t} a valid
# invitation; {st} the Belgium speaker's statement; {u} an upload to it. Written out by hand:
# this is the specification the map must meet.
EXPECTED = [
    ("home", "GET", "/", None, ALL),
    ("page", "GET", "/moderator", None, ALL),
    ("page", "GET", "/apply", None, ALL),
    ("client", "GET", "/static/style.css", None, ALL),
    ("healthz", "GET", "/healthz", None, ALL),
    ("join", "GET", "/join/{t}", None, ALL),
    ("login", "POST", "/api/login", {}, ALL),
    ("logout", "POST", "/api/logout", {}, SIGNED_IN),
    ("me", "GET", "/api/me", None, SIGNED_IN),
    ("sessions.list", "GET", "/api/sessions", None, ALL),
    ("sessions.detail", "GET", "/api/sessions/{s}", None, IN_SESSION),
    ("calendar", "GET", "/api/sessions.ics", None, ALL),
    ("applications.submit", "POST", "/api/applications", {}, ALL),
    ("countries", "GET", "/api/countries", None, ALL),
    ("sessions.update", "PATCH", "/api/sessions/{s}", {}, ORGANISERS),
    ("events.update", "PATCH", "/api/events/{e}", {}, ORGANISERS),
    ("applications.list", "GET", "/api/sessions/{s}/applications", None, ORGANISERS),
    ("applications.review", "POST", "/api/applications/1/review", {}, ORGANISERS),
    ("record", "GET", "/api/sessions/{s}/record", None, ORGANISERS),
    ("record.csv", "GET", "/api/sessions/{s}/record.csv", None, ORGANISERS),
    ("record.page", "GET", "/sessions/{s}/record", None, ORGANISERS),
    ("figures", "GET", "/api/events/{e}/figures", None, ORGANISERS),
    ("calendar.session", "GET", "/api/sessions/{s}.ics", None, ALL),
    ("invitations.create", "POST", "/api/sessions/{s}/invitations", {}, ORGANISERS),
    # The Engine.IO handshake is open; Socket.IO's connect and every event check the caller
    # (tests/server/live/test_live_permissions.py).
    ("live", "GET", "/socket.io/?EIO=4&transport=polling", None, ALL),
    # The browser's path to Janus: each request is checked again against the stage's rights
    # (tests/server/stage/).
    ("stage_janus", "POST", "/stage/janus", {}, SIGNED_IN),
    ("stage_janus_session", "POST", "/stage/janus/1", {}, SIGNED_IN),
    ("stage_janus_handle", "POST", "/stage/janus/1/2", {}, SIGNED_IN),
    # The overflow (the stage as HLS): the stage's own rule again in its handler.
    ("stage.overflow", "GET", "/media/stage/{s}/av/index.m3u8", None, IN_SESSION),
    ("uploads.options", "OPTIONS", "/api/uploads/", None, ALL),
    ("uploads.create", "POST", "/api/uploads/", {}, OWNERS),
    ("uploads.status", "HEAD", "/api/uploads/{u}", None, OWNERS),
    ("uploads.append", "PATCH", "/api/uploads/{u}", {}, OWNERS),
    ("uploads.terminate", "DELETE", "/api/uploads/{u}", None, OWNERS),
    ("statements.detail", "GET", "/api/statements/{st}", None, IN_SESSION),
    ("statements.review", "POST", "/api/statements/{st}/review", {}, ORGANISERS),
    ("captions.put", "PUT", "/api/statements/{st}/captions/en", {}, OWNERS),
    ("statements.consent", "PUT", "/api/statements/{st}/consent", {}, OWNERS),
    ("statements.deadline", "PUT", "/api/statements/{st}/deadline", {}, ORGANISERS),
    ("recommendations.get", "GET", "/api/statements/{st}/recommendations", None, OWNERS),
    ("recommendations.put", "PUT", "/api/statements/{st}/recommendations", {}, OWNERS),
    ("recommendations.delete", "DELETE", "/api/statements/{st}/recommendations", None, OWNERS),
    ("recommendations.session", "GET", "/api/sessions/{s}/recommendations", None, IN_SESSION),
    # Which recommendations a delegate may mark is the service's (404 for any other):
    # tests/server/recommendations/.
    ("recommendations.mark", "PUT", "/api/recommendations/1/intent", None, DELEGATES),
    ("recommendations.unmark", "DELETE", "/api/recommendations/1/intent", None, DELEGATES),
    ("media.file", "GET", "/media/statements/{st}/v1/master.m3u8", None, IN_SESSION),
    ("media.qa_recording", "GET", "/media/sessions/{s}/qa/v1/master.m3u8", None, IN_SESSION),
    ("playlist", "GET", "/api/sessions/{s}/playlist", None, IN_SESSION),
    ("playlist.order", "PUT", "/api/sessions/{s}/playlist", {}, ORGANISERS),
    ("playlist.m3u8", "GET", "/api/sessions/{s}/playlist.m3u8", None, IN_SESSION),
    ("playlist.variant", "GET", "/api/sessions/{s}/playlist/240p.m3u8", None, IN_SESSION),
]


def tus_headers(statement_id: int) -> dict[str, str]:
    encoded = base64.b64encode(str(statement_id).encode()).decode()
    return {"Tus-Resumable": "1.0.0", "Upload-Metadata": f"statement {encoded}"}


async def speaker_upload(client: Client, seeded: Seed, headers: dict[str, str]) -> str:
    response = await client.post(
        "/api/uploads/",
        headers={**headers, **tus_headers(seeded.statement_id), "Upload-Length": "10"},
    )
    assert response.status == 201, await response.text()
    return response.headers["Location"].rsplit("/", 1)[-1]


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
    upload = await speaker_upload(client, seeded, await bearer("speaker")) if "{u}" in path else ""
    url = path.format(
        s=seeded.session_id,
        t=seeded.tokens["delegate"],
        st=seeded.statement_id,
        u=upload,
        e=seeded.event_id,
    )
    for caller in CALLERS:
        headers = {} if caller == "anonymous" else await bearer(caller)
        if url.startswith("/api/uploads"):
            headers.update(tus_headers(seeded.statement_id))
        client.session.cookie_jar.clear()
        response = await client.request(method, url, json=body, headers=headers)
        if caller in allowed:
            assert response.status not in (401, 403), (caller, url, await response.text())
        else:
            expected = 401 if caller == "anonymous" else 403
            assert response.status == expected, (caller, url, response.status)
            if method == "HEAD":
                continue  # no body to read
            error = (await response.json())["error"]
            assert error["code"] in ("unauthenticated", "forbidden")
            assert error["message"]
