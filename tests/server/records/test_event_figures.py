"""The figures' queries on each engine (SQLite, PostgreSQL), on rows written directly."""

from __future__ import annotations

from sqlalchemy import select

from server.db import Database
from server.identity.service import Identity
from server.models import (
    OrganisationKind,
    Person,
    Question,
    QuestionStatus,
    Recommendation,
    Role,
    Scope,
)
from server.recommendations.themes import THEMES
from server.records.figures import event_figures
from server.settings import Settings
from tests.factories import add_organisation, seed


async def test_counts_on_each_engine(database: Database, settings: Settings) -> None:
    seeded = await seed(database, Identity(database, settings.secret, settings.login_days))
    await add_organisation(
        database,
        seeded.event_id,
        seeded.other_session_id,
        "Global Rights Watchers",
        OrganisationKind.CSO,
        Scope.INTERNATIONAL,
    )
    statuses = [QuestionStatus.ANSWERED, QuestionStatus.ANSWERED, QuestionStatus.REJECTED]
    async with database.write() as session:
        delegates = (
            await session.scalars(select(Person).where(Person.role == Role.DELEGATE))
        ).all()
        by_session = {seeded.session_id: delegates[0], seeded.other_session_id: delegates[1]}
        for country_session, delegate in by_session.items():
            for number, status in enumerate(statuses, start=1):
                session.add(
                    Question(
                        country_session_id=country_session,
                        number=number,
                        author_id=delegate.id,
                        mission_id=delegate.mission_id,
                        client_id=f"{country_session}-{number}",
                        text="A question?",
                        original_text="A question?",
                        status=status,
                    )
                )

    async with database.read() as session:
        figures = await event_figures(session, seeded.event_id)

    assert figures["speakers"]["by_kind"] == {"cso": 2, "nhri": 0, "coalition": 0}
    assert figures["speakers"]["by_scope"] == {"national": 0, "international": 1, "unknown": 1}
    assert [row["questions"]["answered"] for row in figures["sessions"]] == [2, 2]
    assert figures["questions"]["asked"] == 6
    assert figures["questions"]["rejected"] == 2
    # Three each: equal counts are ordered by the mission's name.
    assert [(row["name"], row["questions"]) for row in figures["missions"]] == [
        ("Permanent Mission of France", 3),
        ("Permanent Mission of Japan", 3),
    ]


async def test_recommendations_per_theme_and_per_session_on_each_engine(
    database: Database, settings: Settings
) -> None:
    seeded = await seed(database, Identity(database, settings.secret, settings.login_days))
    other_statement = await add_organisation(
        database, seeded.event_id, seeded.other_session_id, "Danish NHRI", OrganisationKind.NHRI,
        Scope.NATIONAL,
    )  # fmt: skip
    themes = {seeded.statement_id: ["torture", "torture", "lgbti"], other_statement: ["torture"]}
    async with database.write() as session:
        for statement_id, listed in themes.items():
            session.add_all(
                Recommendation(
                    statement_id=statement_id, position=n, text="R.", theme=theme,
                    approved_position=n, approved_text="R.", approved_theme=theme,
                )
                for n, theme in enumerate(listed, start=1)
            )  # fmt: skip
        # A draft never approved counts for nothing; an approved item counts as approved.
        session.add(
            Recommendation(statement_id=other_statement, position=2, text="D.", theme="lgbti")
        )
        session.add(
            Recommendation(
                statement_id=seeded.statement_id, position=4, text="New.", theme="lgbti",
                in_draft=False, approved_position=4, approved_text="R.", approved_theme="torture",
            )
        )  # fmt: skip

    async with database.read() as session:
        figures = await event_figures(session, seeded.event_id)

    assert figures["recommendations"]["total"] == 5
    by_theme = figures["recommendations"]["by_theme"]
    assert set(by_theme) == set(THEMES)  # every theme, zero or not
    assert (by_theme["torture"], by_theme["lgbti"], by_theme["womens_rights"]) == (4, 1, 0)
    assert [row["recommendations"] for row in figures["sessions"]] == [4, 1]
