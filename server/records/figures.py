"""Event-level figures, as organisers publish them after a pre-session.

What counts (docs/architecture.md, "Event figures"):
- a *speaker* is a statement slot: one organisation speaking in one country session, whether
  or not its recording has arrived. An organisation in two sessions counts twice; the distinct
  organisations are counted apart. Kind and scope are the organisation's; an organisation
  invited without one has no scope, and counts as `unknown`.
- a *question* is every question a delegate asked, whatever became of it; `asked` is their
  number and each status is counted apart (they add up to `asked`).
- a *recommendation* is every item on a speaker's list as a moderator last approved it (a list
  never approved, or rejected, counts for nothing; a draft waiting for review counts as it was
  approved); `by_theme` counts them per UPR theme (every theme present), and each session its
  own.
Every kind, scope and status is present, zero or not, so that a table or chart never has to
guess at a missing key. Counting is done by the database (GROUP BY), one query per figure.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.countries import country_name
from server.errors import NotFound
from server.models import (
    CountrySession,
    Event,
    Mission,
    Organisation,
    OrganisationKind,
    Question,
    QuestionStatus,
    Recommendation,
    Scope,
    Statement,
)
from server.recommendations.themes import THEMES

UNKNOWN_SCOPE = "unknown"


async def event_figures(session: AsyncSession, event_id: int) -> dict[str, Any]:
    """Speakers by kind and scope, questions per session and per mission, recommendations per
    theme and per session, for one event."""
    event = await session.get(Event, event_id)
    if event is None:
        raise NotFound("No such event.")
    questions_by_session = await _questions_by_session(session, event_id)
    speakers_by_session = await _speakers_by_session(session, event_id)
    recommendations_by_session = await _recommendations_by_session(session, event_id)
    sessions = (
        await session.execute(
            select(CountrySession.id, CountrySession.country, CountrySession.phase)
            .where(CountrySession.event_id == event_id)
            .order_by(CountrySession.starts_at, CountrySession.id)
        )
    ).all()
    return {
        "event": {"id": event.id, "name": event.name},
        "speakers": await _speakers(session, event_id),
        "questions": _total(questions_by_session.values()),
        "recommendations": await _recommendations(session, event_id),
        "sessions": [
            {
                "id": row.id,
                "country": row.country,
                "country_name": country_name(row.country),
                "phase": row.phase.value,
                "speakers": speakers_by_session.get(row.id, 0),
                "questions": questions_by_session.get(row.id, _no_questions()),
                "recommendations": recommendations_by_session.get(row.id, 0),
            }
            for row in sessions
        ],
        "missions": await _missions(session, event_id),
    }


def _of_event(event_id: int) -> ColumnElement[bool]:
    return CountrySession.event_id == event_id


async def _speakers(session: AsyncSession, event_id: int) -> dict[str, Any]:
    rows = (
        await session.execute(
            select(Organisation.kind, Organisation.scope, func.count(Statement.id))
            .join(Statement.organisation)
            .join(Statement.country_session)
            .where(_of_event(event_id))
            .group_by(Organisation.kind, Organisation.scope)
        )
    ).all()
    by_kind = dict.fromkeys((kind.value for kind in OrganisationKind), 0)
    by_scope = dict.fromkeys([*(scope.value for scope in Scope), UNKNOWN_SCOPE], 0)
    for kind, scope, count in rows:
        by_kind[kind.value] += count
        by_scope[scope.value if scope is not None else UNKNOWN_SCOPE] += count
    organisations = await session.scalar(
        select(func.count(func.distinct(Statement.organisation_id)))
        .join(Statement.country_session)
        .where(_of_event(event_id))
    )
    return {
        "total": sum(by_kind.values()),
        "organisations": organisations or 0,
        "by_kind": by_kind,
        "by_scope": by_scope,
    }


async def _speakers_by_session(session: AsyncSession, event_id: int) -> dict[int, int]:
    rows = await session.execute(
        select(Statement.country_session_id, func.count(Statement.id))
        .join(Statement.country_session)
        .where(_of_event(event_id))
        .group_by(Statement.country_session_id)
    )
    return dict(rows.all())


async def _recommendations(session: AsyncSession, event_id: int) -> dict[str, Any]:
    rows = await session.execute(
        select(Recommendation.approved_theme, func.count(Recommendation.id))
        .join(Statement, Recommendation.statement_id == Statement.id)
        .join(Statement.country_session)
        .where(_of_event(event_id), Recommendation.approved_text.is_not(None))
        .group_by(Recommendation.approved_theme)
    )
    by_theme = dict.fromkeys(THEMES, 0)
    for theme, count in rows:
        if theme is not None:  # never, with approved_text set; for the type checker
            by_theme[theme] = by_theme.get(theme, 0) + count
    return {"total": sum(by_theme.values()), "by_theme": by_theme}


async def _recommendations_by_session(session: AsyncSession, event_id: int) -> dict[int, int]:
    rows = await session.execute(
        select(Statement.country_session_id, func.count(Recommendation.id))
        .join(Recommendation, Recommendation.statement_id == Statement.id)
        .join(Statement.country_session)
        .where(_of_event(event_id), Recommendation.approved_text.is_not(None))
        .group_by(Statement.country_session_id)
    )
    return dict(rows.all())


def _no_questions() -> dict[str, int]:
    return {"asked": 0} | dict.fromkeys((status.value for status in QuestionStatus), 0)


def _total(counts: Iterable[dict[str, int]]) -> dict[str, int]:
    total = _no_questions()
    for one in counts:
        for key, value in one.items():
            total[key] += value
    return total


async def _questions_by_session(session: AsyncSession, event_id: int) -> dict[int, dict[str, int]]:
    rows = await session.execute(
        select(Question.country_session_id, Question.status, func.count(Question.id))
        .join(CountrySession, Question.country_session_id == CountrySession.id)
        .where(_of_event(event_id))
        .group_by(Question.country_session_id, Question.status)
    )
    counts: dict[int, dict[str, int]] = {}
    for session_id, status, count in rows:
        one = counts.setdefault(session_id, _no_questions())
        one[status.value] += count
        one["asked"] += count
    return counts


async def _missions(session: AsyncSession, event_id: int) -> list[dict[str, Any]]:
    """Missions that asked at least one question: most questions first, then by name."""
    asked = func.count(Question.id).label("asked")
    rows = await session.execute(
        select(Mission.country, Mission.name, asked)
        .join(Question, Question.mission_id == Mission.id)
        .join(CountrySession, Question.country_session_id == CountrySession.id)
        .where(_of_event(event_id))
        .group_by(Mission.id, Mission.country, Mission.name)
        .order_by(asked.desc(), Mission.name)
    )
    return [{"country": country, "name": name, "questions": count} for country, name, count in rows]
