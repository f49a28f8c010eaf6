"""Reading the live room: question views, snapshots and the journal since a version."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from server.countries import country_name
from server.identity.principal import Principal
from server.live.change import Change
from server.live.views import (
    Audience,
    audience_of,
    render_update,
    snapshot_questions,
    visible_to,
)
from server.models import (
    Attendance,
    CountrySession,
    Mission,
    Person,
    Question,
    QuestionStatus,
    SessionUpdate,
    Statement,
    WrittenAnswer,
    utcnow,
)
from server.times import iso

QUESTION_LOADS = (
    joinedload(Question.author),
    joinedload(Question.mission),
    joinedload(Question.to_statement).joinedload(Statement.organisation),
    # Joined, not a second SELECT: one statement per read of questions (few have answers).
    joinedload(Question.answers).joinedload(WrittenAnswer.organisation),
)


async def load_questions(session: AsyncSession, question_ids: list[int]) -> list[Question]:
    """These questions with everything a view needs, fresh from the database, in this order."""
    rows = (
        (
            await session.scalars(
                select(Question)
                .where(Question.id.in_(question_ids))
                .options(*QUESTION_LOADS)
                .execution_options(populate_existing=True)
            )
        )
        .unique()
        .all()
    )
    by_id = {row.id: row for row in rows}
    return [by_id[question_id] for question_id in question_ids]


@dataclass(frozen=True)
class MissionInfo:
    id: int
    country: str
    name: str


@dataclass(frozen=True)
class ViewParts:
    """What a question view needs besides the question row, when it is at hand already."""

    author: tuple[int, str]
    mission: MissionInfo
    to: Statement | None  # with its organisation loaded
    answers: list[WrittenAnswer]  # with their organisations loaded


def question_view(
    question: Question, state_under_review: str, *, parts: ViewParts | None = None
) -> dict[str, Any]:
    """A question as moderators see it (the journal stores this; others get a filtered copy).

    Its related rows come from `parts` when given, else from the loaded relationships.
    """
    if parts is None:
        mission = question.mission
        parts = ViewParts(
            author=(question.author.id, question.author.name),
            mission=MissionInfo(mission.id, mission.country, mission.name),
            to=question.to_statement,
            answers=list(question.answers),
        )
    statement = parts.to
    return {
        "id": question.id,
        "session": question.country_session_id,
        "number": question.number,
        "status": question.status.value,
        "text": question.text,
        "original_text": question.original_text if question.edited_at else None,
        "edited": question.edited_at is not None,
        "to": None
        if statement is None
        else {
            "statement": statement.id,
            "organisation": {"id": statement.organisation.id, "name": statement.organisation.name},
        },
        "mission": {
            "id": parts.mission.id,
            "country": parts.mission.country,
            "name": parts.mission.name,
            "state_under_review": parts.mission.country == state_under_review,
        },
        "author": {"id": parts.author[0], "name": parts.author[1]},
        "rejection_reason": question.rejection_reason,
        "asked_at": iso(question.asked_at),
        "approved_at": iso(question.approved_at),
        "on_air_at": iso(question.on_air_at),
        "answered_at": iso(question.answered_at),
        "rejected_at": iso(question.rejected_at),
        "withdrawn_at": iso(question.withdrawn_at),
        "answers": [
            {
                "organisation": {"id": answer.organisation.id, "name": answer.organisation.name},
                "text": answer.text,
                "updated_at": iso(answer.updated_at),
            }
            for answer in parts.answers
        ],
    }


def screening_view(country_session: CountrySession) -> dict[str, Any]:
    return {
        "item": country_session.screening_item,
        "position": country_session.screening_position,
        "playing": country_session.screening_playing,
        "updated_at": iso(country_session.screening_updated_at),
    }


async def queue_state(session: AsyncSession, country_session_id: int) -> dict[str, Any]:
    """`{"queue": [approved ids in order], "on_air": id or None}` in one query."""
    rows = (
        await session.execute(
            select(Question.id, Question.status)
            .where(
                Question.country_session_id == country_session_id,
                Question.status.in_((QuestionStatus.APPROVED, QuestionStatus.ON_AIR)),
            )
            .order_by(Question.position)
        )
    ).all()
    on_air = [row.id for row in rows if row.status is QuestionStatus.ON_AIR]
    return {
        "queue": [row.id for row in rows if row.status is QuestionStatus.APPROVED],
        "on_air": on_air[0] if on_air else None,
    }


async def presence(
    session: AsyncSession, country_session_id: int, person_id: int | None = None
) -> list[dict[str, Any]]:
    """Who is in the room now (or only this person), one entry per person."""
    only = () if person_id is None else (Attendance.person_id == person_id,)
    rows = (
        await session.scalars(
            select(Attendance)
            .where(
                Attendance.country_session_id == country_session_id,
                Attendance.left_at.is_(None),
                *only,
            )
            .options(
                selectinload(Attendance.person).selectinload(Person.mission),
                selectinload(Attendance.person).selectinload(Person.organisation),
            )
            .order_by(Attendance.joined_at)
        )
    ).all()
    people: dict[int, dict[str, Any]] = {}
    for row in rows:
        person = row.person
        entry = people.setdefault(
            person.id,
            {
                "person": person.id,
                "name": person.name,
                "role": person.role.value,
                "mission": None
                if person.mission is None
                else {"country": person.mission.country, "name": person.mission.name},
                "organisation": None
                if person.organisation is None
                else {"id": person.organisation.id, "name": person.organisation.name},
                "since": iso(row.joined_at),
                "connections": 0,
            },
        )
        entry["connections"] += 1
    return list(people.values())


async def snapshot(
    session: AsyncSession, country_session: CountrySession, principal: Principal
) -> dict[str, Any]:
    """Everything this person may see of the room, as of the session's current version."""
    audience = audience_of(principal.role)
    questions = (
        (
            await session.scalars(
                select(Question)
                .where(Question.country_session_id == country_session.id)
                .options(*QUESTION_LOADS)
                .order_by(Question.number)
            )
        )
        .unique()
        .all()
    )
    views = [question_view(question, country_session.country) for question in questions]
    mission = await session.scalar(
        select(Mission).where(Mission.country == country_session.country)
    )
    panel = (
        await session.scalars(
            select(Statement)
            .where(Statement.country_session_id == country_session.id)
            .options(selectinload(Statement.organisation))
            .order_by(Statement.position)
        )
    ).all()
    result: dict[str, Any] = {
        "session": country_session.id,
        "version": country_session.version,
        "phase": country_session.phase.value,
        "screening": screening_view(country_session),
        "server_time": utcnow().isoformat(),
        "questions": snapshot_questions(views, audience, principal.person_id),
        **await queue_state(session, country_session.id),
        "state_under_review": {
            "country": country_session.country,
            "name": country_name(country_session.country),
            "mission": None if mission is None else mission.id,
        },
        "panel": [
            {
                "statement": statement.id,
                "position": statement.position,
                "title": statement.title,
                "organisation": {
                    "id": statement.organisation.id,
                    "name": statement.organisation.name,
                    "kind": statement.organisation.kind.value,
                },
            }
            for statement in panel
        ],
        "me": {
            "person": principal.person_id,
            "role": principal.role.value,
            "organisation": principal.organisation_id,
            "mission": principal.mission_id,
        },
    }
    if audience is Audience.MODERATORS:
        result["presence"] = await presence(session, country_session.id)
    return result


async def updates_since(
    session: AsyncSession, country_session: CountrySession, since: int, principal: Principal
) -> list[dict[str, Any]] | None:
    """The journalled updates after `since` as this person sees them; None if not all remain."""
    rows = (
        await session.scalars(
            select(SessionUpdate)
            .where(
                SessionUpdate.country_session_id == country_session.id,
                SessionUpdate.version > since,
            )
            .order_by(SessionUpdate.version)
        )
    ).all()
    if [row.version for row in rows] != list(range(since + 1, country_session.version + 1)):
        return None
    audience = audience_of(principal.role)
    viewer = principal.person_id
    updates = [Change.from_row(row).as_update() for row in rows]
    return [
        render_update(update, audience, viewer)
        for update in updates
        if visible_to(update, audience, viewer)
    ]
