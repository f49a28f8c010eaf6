"""One middleware turns every failure into the documented JSON error; never a traceback."""

from __future__ import annotations

import logging
from http import HTTPStatus

from aiohttp import web
from aiohttp.typedefs import Handler

from server import errors

log = logging.getLogger(__name__)

STATUS: dict[type[errors.PresessionError], int] = {
    errors.BadRequest: 400,
    errors.Unauthenticated: 401,
    errors.Forbidden: 403,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.Gone: 410,
    errors.Unavailable: 503,
    errors.PreconditionFailed: 412,
    errors.TooLarge: 413,
    errors.RateLimited: 429,
    errors.UnsupportedMediaType: 415,
    errors.Invalid: 422,
    errors.Timeout: 503,
    errors.ChecksumMismatch: 460,
}

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    412: "precondition_failed",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
}


def error_response(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)


def domain_error_response(error: errors.PresessionError) -> web.Response:
    """The error's code and message, and the `field` it is about when it names one."""
    return web.json_response({"error": error.as_dict()}, status=status_of(error))


def status_of(error: errors.PresessionError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except errors.PresessionError as error:
        return domain_error_response(error)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        code = _HTTP_CODES.get(error.status, "http_error")
        message = error.text if error.text and error.text != error.reason else ""
        if error.status == 413:
            message = "The request body is too large."
        response = error_response(error.status, code, message or HTTPStatus(error.status).phrase)
        for header in ("Allow", "WWW-Authenticate"):
            if header in error.headers:
                response.headers[header] = error.headers[header]
        return response
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "internal", "Something went wrong on our side.")
