"""Statements as people see them, their review, the playlist order and captions.

Knows no HTTP. Media URLs come from `server.statements.recording`; the files are served to
the people of the event only (`server.statements.media_files`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from server.errors import Conflict, Invalid, NotFound
from server.models import CountrySession, Review, Statement, StatementState
from server.recommendations import service as recommendations
from server.sessions.service import statement_json as slot_json
from server.statements.recording import Recording, caption_url, media_json
from server.times import iso


def statement_detail(statement: Statement, *, for_organiser: bool) -> dict[str, Any]:
    detail = slot_json(statement)
    error = statement.error
    if error and not for_organiser:
        error = {key: value for key, value in error.items() if key != "detail"}
    detail.update(
        {
            "speaker": statement.speaker_id,
            "progress": statement.progress,
            "error": error,
            "review_reason": statement.review_reason,
            "publication": statement.publication.value,
            "show_speaker_name": statement.show_speaker_name,
            "record_live": statement.record_live,
            # This speaker's own deadline, when the organisers gave one: uploads close at the
            # later of it and the event's `statement_deadline` (choices.due_at).
            "deadline": iso(statement.deadline),
            "media": media_json(statement.id, Recording.from_json(statement.media)),
            "on_screen": media_json(statement.id, Recording.from_json(statement.approved_media)),
            "captions": [
                {"language": language, "url": caption_url(statement.id, language)}
                for language in statement.captions
            ],
        }
    )
    return detail


async def load(session: AsyncSession, statement_id: int, *, lock: bool = False) -> Statement:
    statement = await session.get(
        Statement,
        statement_id,
        options=[selectinload(Statement.organisation)],
        with_for_update=lock,
    )
    if statement is None:
        raise NotFound("No such statement.")
    return statement


async def review(
    session: AsyncSession, statement_id: int, action: str, reason: str | None
) -> Statement:
    """Approve the ready recording (it goes on screen) or reject it with a reason."""
    statement = await load(session, statement_id, lock=True)
    if action == "approve":
        if statement.state is not StatementState.READY or statement.media is None:
            raise Conflict("Only a ready recording can be approved.", code="not_ready")
        statement.review = Review.APPROVED
        statement.approved_media = statement.media
        statement.review_reason = None
        await recommendations.approve(session, statement.id)
    elif action == "reject":
        if not reason:
            raise Invalid("Say why, for the speaker: 'reason' is required to reject.")
        statement.review = Review.REJECTED
        statement.approved_media = None
        statement.review_reason = reason
        await recommendations.withdraw_approval(session, statement.id)
    else:
        raise Invalid("'action' must be 'approve' or 'reject'.")
    return statement


async def reorder(session: AsyncSession, country_session_id: int, order: list[int]) -> None:
    """Set the screening order: `order` lists every statement of the session once."""
    country_session = await session.get(CountrySession, country_session_id, with_for_update=True)
    if country_session is None:
        raise NotFound("No such session.")
    statements = (
        await session.scalars(
            select(Statement).where(Statement.country_session_id == country_session_id)
        )
    ).all()
    by_id = {statement.id: statement for statement in statements}
    if sorted(order) != sorted(by_id):
        raise Invalid("'statements' must list every statement of this session exactly once.")
    for position, statement_id in enumerate(order, start=1):
        by_id[statement_id].position = position


async def playlist(session: AsyncSession, country_session_id: int) -> list[Statement]:
    """Approved recordings in screening order (a replacement under review keeps the old one)."""
    if await session.get(CountrySession, country_session_id) is None:
        raise NotFound("No such session.")
    return list(
        (
            await session.scalars(
                select(Statement)
                .options(selectinload(Statement.organisation))
                .where(
                    Statement.country_session_id == country_session_id,
                    # Not `review == approved`: a replacement under review keeps the
                    # approved recording on screen until it is approved in its turn.
                    Statement.approved_media.is_not(None),
                )
                .order_by(Statement.position, Statement.id)
            )
        ).all()
    )


def playlist_item(statement: Statement) -> dict[str, Any]:
    media = media_json(statement.id, Recording.from_json(statement.approved_media))
    assert media is not None
    return {
        "statement": statement.id,
        "position": statement.position,
        "organisation": {"id": statement.organisation.id, "name": statement.organisation.name},
        "title": statement.title,
        "language": statement.language,
        "duration_s": media["duration_s"],
        "hls": media["hls"],
        "mp4": media["mp4"],
        "poster": media["poster"],
        "captions": [
            {"language": language, "url": caption_url(statement.id, language)}
            for language in statement.captions
        ],
    }
