"""Recommendations beside a statement, and the missions that intend to raise them.

Knows no HTTP. Who sees what (docs/architecture.md, "Recommendations"): the speaker and the
organisers see a statement's list as it is now (the draft); everyone else in the session sees
each list as a moderator last approved it, grouped by organisation, and so do the record and
the figures; a delegate sees their own mission's marks, a speaker the number of missions per
recommendation once the session is closed, and only the organisers which mission marked which.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from server.deadlines import check_statement_open
from server.errors import Invalid, NotFound
from server.identity.principal import Principal
from server.models import (
    CountrySession,
    Phase,
    Recommendation,
    RecommendationIntent,
    Review,
    Statement,
)
from server.recommendations.rules import RecommendationInput


def recommendation_json(recommendation: Recommendation) -> dict[str, Any]:
    return {
        "id": recommendation.id,
        "position": recommendation.position,
        "text": recommendation.text,
        "theme": recommendation.theme,
        "previous": recommendation.previous,
    }


def approved_json(recommendation: Recommendation) -> dict[str, Any]:
    """The recommendation as a moderator last approved it."""
    return {
        "id": recommendation.id,
        "position": recommendation.approved_position,
        "text": recommendation.approved_text,
        "theme": recommendation.approved_theme,
        "previous": recommendation.approved_previous,
    }


async def of_statement(session: AsyncSession, statement_id: int) -> list[Recommendation]:
    """A statement's recommendations as the speaker has them now, in the speaker's order."""
    return list(
        (
            await session.scalars(
                select(Recommendation)
                .where(Recommendation.statement_id == statement_id, Recommendation.in_draft)
                .order_by(Recommendation.position, Recommendation.id)
            )
        ).all()
    )


async def approve(session: AsyncSession, statement_id: int) -> None:
    """The statement was approved: its draft becomes the list everyone sees. The missions'
    marks on an item whose text or theme changed are cleared (it is no longer the
    recommendation they marked); an item taken off the draft goes, with its marks."""
    for item in await _all_of(session, statement_id):
        if not item.in_draft:
            await session.delete(item)
            continue
        if item.approved_text is not None and (item.approved_text, item.approved_theme) != (
            item.text,
            item.theme,
        ):
            item.intents.clear()
        item.approved_position, item.approved_text = item.position, item.text
        item.approved_theme, item.approved_previous = item.theme, item.previous


async def withdraw_approval(session: AsyncSession, statement_id: int) -> None:
    """The statement was rejected: its list is on no approved list any more, and the marks on
    it go (they were made on a version no one sees now)."""
    for item in await _all_of(session, statement_id):
        if not item.in_draft:
            await session.delete(item)
            continue
        item.intents.clear()
        item.approved_position = item.approved_text = None
        item.approved_theme = item.approved_previous = None


async def _all_of(session: AsyncSession, statement_id: int) -> list[Recommendation]:
    """Every item of the statement, in its draft or only on its approved list, with marks."""
    return list(
        (
            await session.scalars(
                select(Recommendation)
                .where(Recommendation.statement_id == statement_id)
                .options(selectinload(Recommendation.intents))
            )
        ).all()
    )


async def replace(
    session: AsyncSession,
    statement_id: int,
    items: list[RecommendationInput],
    principal: Principal,
    now: datetime,
) -> tuple[list[Recommendation], Statement | None]:
    """Make the statement's list `items`: those with an `id` are kept (with the missions'
    marks) and changed, the others added, the ones left out removed. With the list, the
    statement when the change sent it back to review (to announce once committed)."""
    statement = await _open_statement(session, statement_id, principal, now)
    existing = {item.id: item for item in await of_statement(session, statement_id)}
    before = _contents(existing.values())
    for index, item in enumerate(items):
        if item.id is not None and item.id not in existing:
            raise Invalid(
                "This recommendation is not one of this statement's.",
                code="unknown_recommendation",
                field=f"items[{index}].id",
            )
    kept = {item.id for item in items if item.id is not None}
    for old in existing.values():
        if old.id not in kept:
            await _take_off_draft(session, old)
    result = [
        _apply(session, existing.get(item.id or 0), item, statement_id, position, now)
        for position, item in enumerate(items, start=1)
    ]
    await session.flush()
    if _contents(result) != before and await _review_again(session, statement, principal):
        return result, statement
    return result, None


async def _take_off_draft(session: AsyncSession, item: Recommendation) -> None:
    """Off the speaker's list; one on the approved list stays there until the next approval."""
    if item.approved_text is None:
        await session.delete(item)
    else:
        item.in_draft = False


def _apply(
    session: AsyncSession,
    recommendation: Recommendation | None,
    item: RecommendationInput,
    statement_id: int,
    position: int,
    now: datetime,
) -> Recommendation:
    if recommendation is None:
        recommendation = Recommendation(statement_id=statement_id, created_at=now, updated_at=now)
        session.add(recommendation)
    elif (recommendation.text, recommendation.theme, recommendation.previous) != (
        item.text,
        item.theme,
        item.previous,
    ):
        recommendation.updated_at = now
    recommendation.position = position
    recommendation.text, recommendation.theme = item.text, item.theme
    recommendation.previous = item.previous
    return recommendation


async def clear(
    session: AsyncSession, statement_id: int, principal: Principal, now: datetime
) -> Statement | None:
    """Withdraw every recommendation of the statement from its draft; the statement when that
    sent it back to review."""
    statement = await _open_statement(session, statement_id, principal, now)
    existing = await of_statement(session, statement_id)
    for item in existing:
        await _take_off_draft(session, item)
    await session.flush()
    if existing and await _review_again(session, statement, principal):
        return statement
    return None


def _contents(recommendations: Any) -> list[tuple[int, str, str, str | None]]:
    return sorted((item.position, item.text, item.theme, item.previous) for item in recommendations)


async def _review_again(session: AsyncSession, statement: Statement, principal: Principal) -> bool:
    """A speaker's change after approval goes back to the moderators, as a new recording does
    (delegates keep seeing the list as approved); an organiser's is approved as it is made.
    True when the statement went back to review."""
    if statement.review is not Review.APPROVED:
        return False
    if principal.is_organiser:
        await approve(session, statement.id)
        return False
    statement.review = Review.PENDING
    return True


async def _open_statement(
    session: AsyncSession, statement_id: int, principal: Principal, now: datetime
) -> Statement:
    statement = await session.get(
        Statement,
        statement_id,
        options=[selectinload(Statement.country_session).selectinload(CountrySession.event)],
        with_for_update=True,
    )
    if statement is None:
        raise NotFound("No such statement.")
    event_deadline = statement.country_session.event.statement_deadline
    check_statement_open(
        statement.deadline, event_deadline, now, organiser=principal.is_organiser, field="items"
    )
    return statement


async def of_session(
    session: AsyncSession, country_session_id: int, principal: Principal
) -> dict[str, Any]:
    """The session's recommendations grouped by organisation, as this person may see them."""
    country_session = await session.get(CountrySession, country_session_id)
    if country_session is None:
        raise NotFound("No such session.")
    statements = await _statements_seen(session, country_session_id)
    draft = principal.is_organiser
    by_statement = await _by_statement(
        session, [statement.id for statement in statements], draft=draft
    )
    closed = country_session.phase is Phase.CLOSED
    return {
        "session": country_session.id,
        "phase": country_session.phase.value,
        "organisations": [
            {
                "statement": statement.id,
                "organisation": {
                    "id": statement.organisation.id,
                    "name": statement.organisation.name,
                    "kind": statement.organisation.kind.value,
                },
                "review": statement.review.value,
                "recommendations": [
                    _as_seen(item, principal, closed, draft=draft)
                    for item in by_statement[statement.id]
                ],
            }
            for statement in statements
            if statement.id in by_statement
        ],
    }


async def _statements_seen(session: AsyncSession, country_session_id: int) -> list[Statement]:
    query = (
        select(Statement)
        .where(Statement.country_session_id == country_session_id)
        .options(selectinload(Statement.organisation))
        .order_by(Statement.position, Statement.id)
    )
    return list((await session.scalars(query)).all())


async def _by_statement(
    session: AsyncSession, statement_ids: list[int], *, draft: bool
) -> dict[int, list[Recommendation]]:
    """These statements' recommendations in order, with the missions that marked them: the
    drafts (organisers) or the approved lists (everyone else)."""
    query = select(Recommendation).where(Recommendation.statement_id.in_(statement_ids))
    if draft:
        query = query.where(Recommendation.in_draft).order_by(
            Recommendation.position, Recommendation.id
        )
    else:
        query = query.where(Recommendation.approved_text.is_not(None)).order_by(
            Recommendation.approved_position, Recommendation.id
        )
    recommendations = await session.scalars(
        query.options(
            selectinload(Recommendation.intents).selectinload(RecommendationIntent.mission)
        )
    )
    by_statement: dict[int, list[Recommendation]] = {}
    for recommendation in recommendations:
        by_statement.setdefault(recommendation.statement_id, []).append(recommendation)
    return by_statement


def _as_seen(
    recommendation: Recommendation, principal: Principal, closed: bool, *, draft: bool
) -> dict[str, Any]:
    seen = recommendation_json(recommendation) if draft else approved_json(recommendation)
    missions = sorted((intent.mission for intent in recommendation.intents), key=lambda m: m.name)
    if principal.is_organiser:
        seen["intending"] = len(missions)
        seen["missions"] = [{"country": m.country, "name": m.name} for m in missions]
    elif principal.mission_id is not None:
        seen["ours"] = any(m.id == principal.mission_id for m in missions)
    else:
        seen["intending"] = len(missions) if closed else None
    return seen


async def mark(
    session: AsyncSession, recommendation_id: int, principal: Principal, intends: bool
) -> dict[str, Any]:
    """Say (or take back) that the delegate's mission intends to raise a recommendation; the
    same again changes nothing."""
    assert principal.mission_id is not None, "only delegates mark recommendations"
    # Locked, so that two delegates of one mission marking at once make one mark (PostgreSQL;
    # SQLite's writers take turns anyway).
    recommendation = await session.get(
        Recommendation,
        recommendation_id,
        options=[selectinload(Recommendation.statement)],
        with_for_update=True,
    )
    statement = recommendation.statement if recommendation is not None else None
    if (
        recommendation is None
        or statement is None
        or not principal.may_enter(statement.country_session_id)
        or recommendation.approved_text is None
    ):
        # Not telling "not yours" from "none": a hidden recommendation stays hidden.
        raise NotFound("No such recommendation.")
    intent = await session.get(RecommendationIntent, (recommendation_id, principal.mission_id))
    if intends and intent is None:
        session.add(
            RecommendationIntent(
                recommendation_id=recommendation_id,
                mission_id=principal.mission_id,
                marked_by_id=principal.person_id,
            )
        )
    elif not intends and intent is not None:
        await session.delete(intent)
    return {"recommendation": recommendation_id, "ours": intends}
