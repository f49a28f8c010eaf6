"""How the serve process runs: settings for the interpreter itself, applied in one place."""

from __future__ import annotations

from aiohttp import web


def tune_runtime(app: web.Application) -> None:
    """Apply the interpreter settings (garbage collection) to the process serving `app`."""
