"""Domain errors: each carries a stable code and a message a person can act on.

The web layer maps each class to an HTTP status in one table (`server.web.errors`); the
live room maps them to `{"ok": false, "error": ...}` acks. Domain code knows neither.
"""

from __future__ import annotations


class PresessionError(Exception):
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        # The input the error is about, as a path into the request: "text", "items[2].theme".
        self.field = field
        if code is not None:
            self.code = code

    def as_dict(self) -> dict[str, str]:
        answer = {"code": self.code, "message": self.message}
        if self.field is not None:
            answer["field"] = self.field
        return answer


class BadRequest(PresessionError):
    code = "bad_request"


class Invalid(PresessionError):
    """Well-formed input that breaks a rule (a missing field, an unknown country code)."""

    code = "invalid"


class NotFound(PresessionError):
    code = "not_found"


class Unauthenticated(PresessionError):
    code = "unauthenticated"


class Forbidden(PresessionError):
    code = "forbidden"


class Conflict(PresessionError):
    code = "conflict"


class Unavailable(PresessionError):
    """A part the request needs is down or not installed (the stage's media server)."""

    code = "unavailable"


class TooLarge(PresessionError):
    code = "too_large"


class RateLimited(PresessionError):
    """Too many requests of one kind from one person; the message says when to try again."""

    code = "rate_limited"


class Timeout(PresessionError):
    """It was not done within its time limit; it may still be done (retry to find out)."""

    code = "timeout"


class Gone(PresessionError):
    """It existed and no longer does (an expired upload)."""

    code = "gone"


class UnsupportedMediaType(PresessionError):
    code = "unsupported_media_type"


class PreconditionFailed(PresessionError):
    code = "precondition_failed"


class ChecksumMismatch(PresessionError):
    """The bytes received do not match the checksum the client sent (tus checksum, 460)."""

    code = "checksum_mismatch"
