"""Reading request input safely: bounded JSON objects and typed fields."""

from __future__ import annotations

import base64
import json
from typing import Any

from aiohttp import web

from server.errors import BadRequest, Invalid, NotFound, TooLarge
from server.ids import parse_id
from server.keys import SETTINGS


async def read_json_object(request: web.Request) -> dict[str, Any]:
    """The body as a JSON object; 413 past the app's size limit, 400 when it is not JSON."""
    limit = request.app[SETTINGS].max_json_bytes
    if request.content_length is not None and request.content_length > limit:
        raise TooLarge(f"The request body is larger than {limit} bytes.")
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge as error:
        raise TooLarge(f"The request body is larger than {limit} bytes.") from error
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BadRequest("The request body is not valid JSON.", code="bad_json") from error
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object.", code="bad_json")
    return body


def string_field(body: dict[str, Any], name: str, *, max_length: int = 2000) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise Invalid(f"'{name}' is required and must be a non-empty string.")
    if len(value) > max_length:
        raise Invalid(f"'{name}' is longer than {max_length} characters.")
    return value.strip()


def optional_string(body: dict[str, Any], name: str) -> str | None:
    """A string field that may be absent or null; blank counts as absent."""
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise Invalid(f"'{name}' must be a string.")
    return value.strip() or None


def path_id(request: web.Request, name: str) -> int:
    """A numeric id from the path; anything else cannot name a record, hence 404."""
    value = parse_id(request.match_info[name])
    if value is None:
        raise NotFound(f"No such {name.removesuffix('_id').replace('_', ' ')}.")
    return value


def upload_metadata(header: str) -> dict[str, str]:
    """tus `Upload-Metadata`: comma-separated `key base64value` pairs (value optional)."""
    metadata: dict[str, str] = {}
    for pair in header.split(","):
        key, _, encoded = pair.strip().partition(" ")
        if not key:
            continue
        try:
            metadata[key] = base64.b64decode(encoded.strip(), validate=True).decode()
        except (ValueError, UnicodeDecodeError) as error:
            raise BadRequest(
                f"Upload-Metadata value of {key!r} is not base64 UTF-8.", code="bad_metadata"
            ) from error
    return metadata
