"""The dashboard's queries on both backends: counts, completion, objectives, keyset pages."""

from __future__ import annotations

import datetime as dt

from bot.export.filters import ExportFilters
from storage import dashboard, dashboard_pages
from storage.db import Database
from storage.models import Answer, Pledge
from tests.dashboard.seed import START, add_answers, add_person

DAY = dt.timedelta(days=1)


async def _three_people(db: Database) -> None:
    """Two who consented (Chile, Haiti) and one who did not."""
    await add_person(db, 1, "Red Nombrada", named=True, when=START)
    await add_person(
        db, 2, "Org Secreta", named=False, country="HT", subregion="caribbean",
        category="academia", language="en", when=START + DAY,
    )  # fmt: skip
    await add_person(db, 3, "Sin Consentimiento", named=True, consented=False)
    await add_answers(
        db,
        [
            (1, "inclusion", "objectives", {"objectives": [14, 15]}, "es", START),
            (1, "inclusion", "progress", {"text": "Más SALUD para todos"}, "es", START),
            (1, "inclusion", "practices", {"skipped": True}, "es", START + DAY),
            (2, "inclusion", "objectives", {"objectives": [15]}, "en", START + DAY),
            (2, "drivers", "progress", {"text": 'Better "care" for all'}, "en", START + DAY),
            (3, "inclusion", "progress", {"text": "not consented"}, "es", START),
        ],
    )


async def test_participation_counts_only_who_consented(db: Database) -> None:
    """Cells group consenting stakeholders by subregion, category, country and language."""
    await _three_people(db)
    async with db.transaction() as session:
        cells = await dashboard.participation(session)
    assert sorted((c.country, c.category, c.language, c.count) for c in cells) == [
        ("CL", "civil_society", "es", 1),
        ("HT", "academia", "en", 1),
    ]


async def test_days_are_counted_in_utc(db: Database) -> None:
    """Registrations and first answers fall on their UTC day, oldest first."""
    await _three_people(db)
    async with db.transaction() as session:
        registrations = await dashboard.registrations_by_day(session)
        first = await dashboard.first_answers_by_day(session)
    assert registrations == [(START.date(), 1), ((START + DAY).date(), 1)]
    assert first == [(START.date(), 3), ((START + DAY).date(), 3)]


async def test_completion_counts_people_answers_and_skips(db: Database) -> None:
    """Who started each session, and each question's current answers with its skips."""
    await _three_people(db)
    async with db.transaction() as session:
        figures = await dashboard.completion(session)
    assert figures.started == {"inclusion": 3, "drivers": 1}
    assert figures.questions[("inclusion", "practices")] == dashboard.QuestionFigures(1, 1)
    assert figures.questions[("inclusion", "objectives")] == dashboard.QuestionFigures(2, 0)


async def test_objectives_are_counted_inside_the_lists(db: Database) -> None:
    """Each objective number in an objectives answer counts once for that answer."""
    await _three_people(db)
    async with db.transaction() as session:
        counts = await dashboard.objectives_cited(session, [("inclusion", "objectives")])
        nothing = await dashboard.objectives_cited(session, [])
    assert counts == {14: 1, 15: 2}
    assert nothing == {}


async def test_pledge_objectives_count_what_the_pledges_page_lists(db: Database) -> None:
    """A pledge whose answer was edited away (no longer current) is neither listed on the
    pledges page nor counted on the objectives page; one made on its own is both."""
    await _three_people(db)
    async with db.transaction() as session:
        old = Answer(
            stakeholder_id=1, session_key="general", question_key="pledge", value={"skipped": True},
            language="es", revision=1, current=False, created_at=START, updated_at=START,
        )  # fmt: skip
        session.add(old)
        await session.flush()
        session.add_all(
            [
                Pledge(stakeholder_id=1, answer_id=old.id, session_key="general",
                       question_key="pledge", title="Retirado", objectives=[3], language="es",
                       created_at=START),
                Pledge(stakeholder_id=2, session_key="general", question_key="pledge",
                       title="Vigente", objectives=[3, 7], language="en", created_at=START),
            ]
        )  # fmt: skip
    async with db.transaction() as session:
        counted = dashboard.count_objectives(await dashboard.pledge_objectives(session))
        listed = await dashboard_pages.pledges_page(session)
    assert [row.title for row in listed.rows] == ["Vigente"]
    assert counted == {3: 1, 7: 1}


async def test_answers_page_filters_and_names(db: Database) -> None:
    """Filters narrow by the stakeholder and the answer; the unconsented never show."""
    await _three_people(db)
    async with db.transaction() as session:
        everything = await dashboard_pages.answers_page(session, ExportFilters())
        haiti = await dashboard_pages.answers_page(session, ExportFilters(countries=("HT",)))
        english = await dashboard_pages.answers_page(session, ExportFilters(languages=("en",)))
        drivers = await dashboard_pages.answers_page(session, ExportFilters(sessions=("drivers",)))
        words = await dashboard_pages.answers_page(session, ExportFilters(), words="salud")
        accented = await dashboard_pages.answers_page(session, ExportFilters(), words="Más")
        quoted = await dashboard_pages.answers_page(session, ExportFilters(), words='"care"')
        percent = await dashboard_pages.answers_page(session, ExportFilters(), words="100%")
    assert len(everything.rows) == 5
    assert "Sin Consentimiento" not in {row.organization for row in everything.rows}
    assert {row.organization for row in haiti.rows} == {"Org Secreta"}
    assert len(english.rows) == 2
    assert [row.question_key for row in drivers.rows] == ["progress"]
    assert [row.value["text"] for row in words.rows] == ["Más SALUD para todos"]
    assert [row.value["text"] for row in accented.rows] == ["Más SALUD para todos"]
    assert [row.value["text"] for row in quoted.rows] == ['Better "care" for all']
    assert percent.rows == []  # % is a character to find, not a wildcard


async def test_keyset_pages_walk_both_ways(db: Database) -> None:
    """Older pages continue where the last one stopped; newer goes back to the same rows."""
    await add_person(db, 1, "Red", named=True)
    await add_answers(
        db, [(1, "inclusion", f"q{n}", {"text": f"answer {n}"}, "es", START) for n in range(7)]
    )
    filters = ExportFilters()
    async with db.transaction() as session:
        first = await dashboard_pages.answers_page(session, filters, size=3)
        second = await dashboard_pages.answers_page(session, filters, before=first.older, size=3)
        third = await dashboard_pages.answers_page(session, filters, before=second.older, size=3)
        back = await dashboard_pages.answers_page(session, filters, after=second.newer, size=3)
        total = await dashboard_pages.count_answers(session, filters)
        capped = await dashboard_pages.count_answers(session, filters, limit=4)
    ids = [[row.id for row in page.rows] for page in (first, second, third)]
    assert ids == [[7, 6, 5], [4, 3, 2], [1]]
    assert (first.newer, third.older) == (None, None)
    assert [row.id for row in back.rows] == [7, 6, 5]
    assert (total, capped) == (7, 5)


async def test_broadcast_page_counts_outcomes(db: Database) -> None:
    """Each broadcast comes with how many messages were sent, failed, unreachable or waiting."""
    from tests.dashboard.seed import seed_broadcast

    people = [{"id": n, "platform": "telegram", "chat_id": f"c{n}"} for n in range(1, 7)]
    for person in people:
        await add_person(db, person["id"], f"Org {person['id']}", named=False)
    await seed_broadcast(db, people)
    async with db.transaction() as session:
        page = await dashboard_pages.broadcasts_page(session)
    assert [(row.recipients, row.counts) for row in page.rows] == [
        (6, {"queued": 1, "sent": 3, "failed": 1, "unreachable": 1, "no_template": 0})
    ]
