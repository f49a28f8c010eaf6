"""The browser pages: HTML shells from `client/`; the data comes from the JSON API and `/live`.

Each page is a static file; who may see what is decided by the API and the live room, so the
shells themselves are open (a page opened without sign-in says how to sign in).
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

CLIENT_DIR = Path(__file__).resolve().parent.parent.parent / "client"
SHELLS = {
    "moderator": "moderator.html",
    "speaker": "speaker.html",
    "sessions": "room.html",
    "apply": "apply.html",
}

routes = web.RouteTableDef()


def _shell(name: str) -> web.FileResponse:
    return web.FileResponse(CLIENT_DIR / name, headers={"Cache-Control": "no-cache"})


@routes.get("/", name="home")
async def home(request: web.Request) -> web.FileResponse:
    return _shell("index.html")


@routes.get(r"/{page:moderator|speaker|apply|sessions/\d+}", name="page")
async def page(request: web.Request) -> web.FileResponse:
    return _shell(SHELLS[request.match_info["page"].split("/")[0]])


def add_client_files(app: web.Application) -> None:
    app.router.add_static("/static/", CLIENT_DIR, name="client", append_version=False)
