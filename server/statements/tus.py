"""tus 1.0 over HTTP (core, creation, termination, expiration, checksum) at /api/uploads/.

Parses the protocol's headers, calls `Uploads`, answers with the protocol's headers. Who
may upload to which statement is decided by the permission map (statement OWNER rule).
"""

from __future__ import annotations

from email.utils import format_datetime

from aiohttp import web

from server.errors import BadRequest, PreconditionFailed, UnsupportedMediaType
from server.keys import SETTINGS, UPLOADS
from server.statements.uploads import CHECKSUM_ALGORITHMS, Checksum, UploadStatus
from server.web.permissions import principal_of, statement_scope_of
from server.web.requests import upload_metadata

routes = web.RouteTableDef()
TUS_VERSION = "1.0.0"
EXTENSIONS = "creation,termination,expiration,checksum"
OFFSET_CONTENT_TYPE = "application/offset+octet-stream"


async def add_tus_headers(request: web.Request, response: web.StreamResponse) -> None:
    """Every answer under /api/uploads says which tus it speaks, errors included."""
    if request.path.startswith("/api/uploads"):
        response.headers.setdefault("Tus-Resumable", TUS_VERSION)


@routes.options("/api/uploads/", name="uploads.options")
async def options(request: web.Request) -> web.Response:
    return web.Response(
        status=204,
        headers={
            "Tus-Version": TUS_VERSION,
            "Tus-Extension": EXTENSIONS,
            "Tus-Max-Size": str(request.app[SETTINGS].max_upload_bytes),
            "Tus-Checksum-Algorithm": ",".join(CHECKSUM_ALGORITHMS),
        },
    )


@routes.post("/api/uploads/", name="uploads.create")
async def create(request: web.Request) -> web.Response:
    """Start an upload; its size is checked before any byte of it is sent."""
    _check_version(request)
    if "Upload-Defer-Length" in request.headers:
        raise BadRequest("Send Upload-Length: deferred lengths are not supported.")
    length = _int_header(request, "Upload-Length")
    metadata = upload_metadata(request.headers.get("Upload-Metadata", ""))
    status = await request.app[UPLOADS].create(
        principal_of(request),
        statement_scope_of(request).statement_id,
        length,
        metadata.get("filename"),
    )
    headers = _status_headers(status)
    headers["Location"] = f"/api/uploads/{status.id}"
    return web.Response(status=201, headers=headers)


@routes.head("/api/uploads/{upload_id}", name="uploads.status")
async def status(request: web.Request) -> web.Response:
    _check_version(request)
    found = await request.app[UPLOADS].status(request.match_info["upload_id"])
    headers = _status_headers(found)
    headers["Cache-Control"] = "no-store"
    return web.Response(status=200, headers=headers)


@routes.patch("/api/uploads/{upload_id}", name="uploads.append")
async def append(request: web.Request) -> web.Response:
    """Append the body at Upload-Offset, streamed to disk in chunks."""
    _check_version(request)
    if request.content_type != OFFSET_CONTENT_TYPE:
        raise UnsupportedMediaType(f"A PATCH must be sent as {OFFSET_CONTENT_TYPE}.")
    offset = _int_header(request, "Upload-Offset")
    checksum_header = request.headers.get("Upload-Checksum")
    checksum = Checksum.parse(checksum_header) if checksum_header else None
    # Whatever the socket delivered, as delivered: no re-chunking copies.
    found = await request.app[UPLOADS].append(
        request.match_info["upload_id"], offset, request.content.iter_any(), checksum
    )
    return web.Response(status=204, headers=_status_headers(found))


@routes.delete("/api/uploads/{upload_id}", name="uploads.terminate")
async def terminate(request: web.Request) -> web.Response:
    _check_version(request)
    await request.app[UPLOADS].terminate(request.match_info["upload_id"])
    return web.Response(status=204)


def _check_version(request: web.Request) -> None:
    if request.headers.get("Tus-Resumable") != TUS_VERSION:
        raise PreconditionFailed(
            f"This server speaks tus {TUS_VERSION}; send 'Tus-Resumable: {TUS_VERSION}'.",
            code="tus_version",
        )


def _int_header(request: web.Request, name: str) -> int:
    raw = request.headers.get(name, "")
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        raise BadRequest(f"{name} must be a whole number of bytes.", code="bad_header")
    return int(raw)


def _status_headers(status: UploadStatus) -> dict[str, str]:
    return {
        "Upload-Offset": str(status.offset),
        "Upload-Length": str(status.length),
        "Upload-Expires": format_datetime(status.expires_at, usegmt=True),
    }
