"""The official record of a country session: what was said, asked, answered, and who attended.

The JSON form carries a SHA-256 digest of its canonical form, so that any later change to an
exported record can be detected (`verify`).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from server.countries import country_name
from server.errors import NotFound
from server.live.reading import QUESTION_LOADS
from server.models import (
    Attendance,
    CountrySession,
    Person,
    QaRecording,
    Question,
    Recommendation,
    SessionUpdate,
    Statement,
    utcnow,
)
from server.recommendations.themes import THEMES
from server.records.stage import qa_recording, stage_history
from server.times import iso

DIGEST_NOTE = "SHA-256 of the canonical JSON of every other field: keys sorted, no spaces, UTF-8"

# The addressee of a question to every speaker (the printable page says it in its language).
WHOLE_PANEL = "the whole panel"


def canonical(record: dict[str, Any]) -> bytes:
    body = {key: value for key, value in record.items() if key != "digest"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def with_digest(record: dict[str, Any]) -> dict[str, Any]:
    digest = hashlib.sha256(canonical(record)).hexdigest()
    return {**record, "digest": {"algorithm": "sha256", "value": digest, "of": DIGEST_NOTE}}


def verify(record: dict[str, Any]) -> bool:
    """Whether a record is exactly as it was exported."""
    digest = record.get("digest", {}).get("value")
    return isinstance(digest, str) and digest == hashlib.sha256(canonical(record)).hexdigest()


async def session_record(
    session: AsyncSession, country_session_id: int, *, records: bool = False
) -> dict[str, Any]:
    """`records`: whether this server records the stage (to say why there is no recording)."""
    country_session = await session.get(
        CountrySession, country_session_id, options=[selectinload(CountrySession.event)]
    )
    if country_session is None:
        raise NotFound("No such session.")
    now = utcnow()
    statements = (
        await session.scalars(
            select(Statement)
            .where(Statement.country_session_id == country_session_id)
            .options(joinedload(Statement.organisation), joinedload(Statement.speaker))
            .order_by(Statement.position)
        )
    ).all()
    questions = (
        (
            await session.scalars(
                select(Question)
                .where(Question.country_session_id == country_session_id)
                .options(*QUESTION_LOADS)
                .order_by(Question.number)
            )
        )
        .unique()
        .all()
    )
    stays = (
        await session.scalars(
            select(Attendance)
            .where(Attendance.country_session_id == country_session_id)
            .options(
                joinedload(Attendance.person).joinedload(Person.mission),
                joinedload(Attendance.person).joinedload(Person.organisation),
            )
        )
    ).all()
    stage_updates = (
        await session.execute(
            select(SessionUpdate.created_at, SessionUpdate.payload)
            .where(
                SessionUpdate.country_session_id == country_session_id,
                SessionUpdate.kind == "stage",
            )
            .order_by(SessionUpdate.version)
        )
    ).all()
    recording = await session.scalar(
        select(QaRecording).where(QaRecording.country_session_id == country_session_id)
    )
    recommendations = await _recommendations(session, list(statements))
    sur = country_session.country
    record = {
        "record": "UPR pre-session",
        "generated_at": now.isoformat(),
        "session": {
            "id": country_session.id,
            "event": country_session.event.name,
            "country": sur,
            "country_name": country_name(sur),
            "state_under_review": country_name(sur),
            "starts_at": iso(country_session.starts_at),
            "ends_at": iso(country_session.ends_at),
            "phase": country_session.phase.value,
        },
        "speakers": [
            {
                "organisation": statement.organisation.name,
                "kind": statement.organisation.kind.value,
                "scope": statement.organisation.scope.value
                if statement.organisation.scope
                else None,
                "country": statement.organisation.country,
                # Shown by organisation only, unless the speaker chose to be named.
                "speaker": statement.speaker.name
                if statement.speaker and statement.show_speaker_name
                else None,
                "publication": statement.publication.value,
            }
            for statement in statements
        ],
        "statements": [
            {
                "id": statement.id,
                "position": statement.position,
                "organisation": statement.organisation.name,
                "title": statement.title,
                "language": statement.language,
                "duration_s": (statement.approved_media or statement.media or {}).get("duration_s"),
                "publication": statement.publication.value,
                "state": statement.state.value,
                "review": statement.review.value,
            }
            for statement in statements
        ],
        "recommendations": recommendations,
        "questions": [_question(question, sur) for question in questions],
        "attendance": _attendance(stays, now),
        "stage": {
            **stage_history(
                ((at, payload.get("stage", {})) for at, payload in stage_updates),
                now,
                numbers={question.id: question.number for question in questions},
            ),
            "qa_recording": qa_recording(recording, list(statements), records=records),
        },
    }
    return with_digest(record)


async def _recommendations(
    session: AsyncSession, statements: list[Statement]
) -> list[dict[str, Any]]:
    """Every speaker's recommendations as a moderator last approved them (a list never
    approved, or rejected, is not in the record), in screening order, with how many missions
    intend to raise each (which ones is for the organisers' screen, not for a record that may
    be published)."""
    by_id = {statement.id: statement for statement in statements}
    rows = (
        await session.scalars(
            select(Recommendation)
            .where(
                Recommendation.statement_id.in_(by_id),
                Recommendation.approved_text.is_not(None),
            )
            .options(selectinload(Recommendation.intents))
        )
    ).all()
    ordered = sorted(
        rows,
        key=lambda r: (by_id[r.statement_id].position, r.statement_id, r.approved_position or 0),
    )
    return [
        {
            "statement": item.statement_id,
            "organisation": by_id[item.statement_id].organisation.name,
            "number": item.approved_position,
            "text": item.approved_text,
            "theme": item.approved_theme,
            "theme_name": THEMES.get(item.approved_theme or "", item.approved_theme),
            "previous": item.approved_previous,
            "missions_intending": len(item.intents),
        }
        for item in ordered
    ]


def _question(question: Question, state_under_review: str) -> dict[str, Any]:
    statement = question.to_statement
    return {
        "number": question.number,
        "mission": question.mission.name,
        "mission_country": question.mission.country,
        "state_under_review": question.mission.country == state_under_review,
        "addressee": statement.organisation.name if statement else WHOLE_PANEL,
        "text_as_asked": question.original_text,
        "text_as_edited": question.text if question.edited_at else None,
        "status": question.status.value,
        "rejection_reason": question.rejection_reason,
        "asked_at": iso(question.asked_at),
        "on_air_at": iso(question.on_air_at),
        "answered_at": iso(question.answered_at),
        "rejected_at": iso(question.rejected_at),
        "withdrawn_at": iso(question.withdrawn_at),
        "written_answers": [
            {"organisation": answer.organisation.name, "text": answer.text}
            for answer in question.answers
        ],
    }


def _attendance(stays: Any, now: datetime) -> list[dict[str, Any]]:
    """Per mission (and per organisation, and the organisers): first join and time present.

    Several connections of one delegation at once count once: the time is the union of stays.
    """
    groups: dict[tuple[str, str], list[tuple[datetime, datetime]]] = defaultdict(list)
    for stay in stays:
        person = stay.person
        if person.mission is not None:
            key = ("mission", person.mission.name)
        elif person.organisation is not None:
            key = ("organisation", person.organisation.name)
        else:
            key = ("organisers", "Organisers")
        groups[key].append((stay.joined_at, stay.left_at or now))
    rows = []
    for (kind, name), intervals in sorted(groups.items()):
        intervals.sort()
        total, current_start, current_end = 0.0, intervals[0][0], intervals[0][1]
        for start, end in intervals[1:]:
            if start > current_end:
                total += (current_end - current_start).total_seconds()
                current_start, current_end = start, end
            else:
                current_end = max(current_end, end)
        total += (current_end - current_start).total_seconds()
        rows.append(
            {
                "kind": kind,
                "name": name,
                "first_join": intervals[0][0].isoformat(),
                "seconds_present": round(total),
            }
        )
    return rows
