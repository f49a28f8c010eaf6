"""The recommendations service on each engine (SQLite, PostgreSQL): a list kept by id, marks
made once per mission even when two delegates of it mark at the same moment, the approved list
seen by delegates while a change waits for review."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select, update

from server.db import Database
from server.identity.principal import Principal
from server.identity.service import Identity
from server.models import Person, RecommendationIntent, Review, Role, Statement, utcnow
from server.recommendations import service
from server.recommendations.rules import RecommendationInput
from server.settings import Settings
from tests.factories import Seed, invited, seed


async def people(database: Database, seeded: Seed) -> tuple[Principal, Principal, Principal]:
    """The seeded speaker, and two delegates of France in the Belgium session."""
    async with database.write() as session:
        await invited(
            session,
            role=Role.DELEGATE,
            event_id=seeded.event_id,
            country_session_id=seeded.session_id,
            mission_country="FR",
            name="Second delegate of France",
        )
    async with database.read() as session:
        found = (await session.scalars(select(Person).order_by(Person.id))).all()

    def principal(person: Person) -> Principal:
        return Principal(
            person.id, seeded.event_id, person.name, person.role, person.organisation_id,
            person.mission_id, frozenset({seeded.session_id}),
        )  # fmt: skip

    speaker = next(p for p in found if p.role is Role.SPEAKER)
    french = [p for p in found if p.role is Role.DELEGATE and p.mission_id == found[-1].mission_id]
    assert len(french) == 2
    return principal(speaker), principal(french[0]), principal(french[1])


async def test_a_list_is_kept_by_id_and_marked_once_per_mission(
    database: Database, settings: Settings
) -> None:
    seeded = await seed(database, Identity(database, settings.secret, settings.login_days))
    speaker, delegate, colleague = await people(database, seeded)
    items = [
        RecommendationInput(None, "Ratify OP-CAT.", "torture", None),
        RecommendationInput(None, "Repeal article 7.", "freedom_of_expression", "115.23"),
    ]
    async with database.write() as session:
        (first, second), _ = await service.replace(
            session, seeded.statement_id, items, speaker, utcnow()
        )
        ids = first.id, second.id
    async with database.write() as session:
        await session.execute(
            update(Statement)
            .where(Statement.id == seeded.statement_id)
            .values(review=Review.APPROVED)
        )
        await service.approve(session, seeded.statement_id)

    async def mark(principal: Principal) -> None:
        async with database.write() as session:
            await service.mark(session, ids[0], principal, True)

    # Two delegates of one mission at the same moment: one mark, no error.
    await asyncio.gather(mark(delegate), mark(colleague), mark(delegate))
    async with database.read() as session:
        marks = await session.scalar(select(func.count()).select_from(RecommendationIntent))
    assert marks == 1

    # Reordered and the first kept: its mark stays; the one left out goes.
    kept = [RecommendationInput(ids[0], "Ratify OP-CAT.", "torture", None)]
    async with database.write() as session:
        [again], in_review = await service.replace(
            session, seeded.statement_id, kept, speaker, utcnow()
        )
    assert in_review is not None
    assert in_review.id == seeded.statement_id
    assert again.id == ids[0]
    async with database.read() as session:
        seen = await service.of_session(session, seeded.session_id, delegate)
        statement = await session.get(Statement, seeded.statement_id)
    assert statement is not None
    assert statement.review is Review.PENDING  # a change after approval: reviewed again
    # Delegates see the list as approved until the change is approved; organisers the draft.
    [approved] = seen["organisations"]
    assert [(item["id"], item["ours"]) for item in approved["recommendations"]] == [
        (ids[0], True),
        (ids[1], False),
    ]
    async with database.read() as session:
        organisers = await service.of_session(
            session, seeded.session_id, Principal(0, seeded.event_id, "Mo", Role.MODERATOR,
                                                  None, None, frozenset({seeded.session_id}))
        )  # fmt: skip
    [group] = organisers["organisations"]
    assert [(item["id"], item["intending"]) for item in group["recommendations"]] == [(ids[0], 1)]
