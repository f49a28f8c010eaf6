"""The browser pages: HTML shells from `client/`; the data comes from the JSON API."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

CLIENT_DIR = Path(__file__).resolve().parent.parent.parent / "client"

routes = web.RouteTableDef()


def _page(request: web.Request) -> web.FileResponse:
    return web.FileResponse(CLIENT_DIR / "index.html", headers={"Cache-Control": "no-cache"})


@routes.get("/", name="home")
async def home(request: web.Request) -> web.FileResponse:
    return _page(request)


# The role pages share the programme page until their own views land in `client/`.
@routes.get(r"/{page:moderator|speaker|sessions/\d+}", name="page")
async def page(request: web.Request) -> web.FileResponse:
    return _page(request)


def add_client_files(app: web.Application) -> None:
    app.router.add_static("/static/", CLIENT_DIR, name="client", append_version=False)
