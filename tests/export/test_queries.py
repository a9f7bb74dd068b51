"""The export queries keep consenting stakeholders' current answers, and the filters narrow them."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.export import ExportFilters
from storage import exports
from storage.db import Database
from tests.export.helpers import exported_answers
from tests.export.seed import FEBRUARY, Seed


async def _answer_ids(db: Database, filters: ExportFilters) -> list[int]:
    async with db.transaction() as session:
        return [row.answer_id async for row in exports.stream_answers(session, filters)]


async def _stakeholder_ids(db: Database, filters: ExportFilters) -> set[int]:
    async with db.transaction() as session:
        return {row.stakeholder_id async for row in exports.stream_stakeholders(session, filters)}


async def test_stream_yields_current_answers_of_consenting_stakeholders(
    db: Database, seeded: Seed
) -> None:
    """Exactly the current revisions of consenting stakeholders come out, in id order."""
    ids = await _answer_ids(db, ExportFilters())
    assert ids == sorted(await exported_answers(db))
    assert len(ids) == 16
    assert seeded.old_answer not in ids


async def test_stream_reads_in_small_chunks(db: Database, seeded: Seed) -> None:
    """A chunk smaller than the result still yields every row once."""
    async with db.transaction() as session:
        rows = [r async for r in exports.stream_answers(session, ExportFilters(), chunk_size=3)]
    assert len({row.answer_id for row in rows}) == len(rows) == 16


async def test_count_matches_the_stream(db: Database, seeded: Seed) -> None:
    """The progress bar's total is the number of rows the stream yields."""
    filters = ExportFilters.of(sessions=["inclusion"])
    async with db.transaction() as session:
        total = await exports.count_answers(session, filters)
    assert total == len(await _answer_ids(db, filters)) == 11


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (ExportFilters.of(sessions=["drivers"]), 2),
        (ExportFilters.of(subregions=["caribbean"]), 8),
        (ExportFilters.of(countries=["cl"]), 5),
        (ExportFilters.of(categories=["civil_society"]), 3),
        (ExportFilters.of(languages=["en"]), 7),
        (ExportFilters.of(since=dt.datetime(2025, 2, 1)), 2),
        (ExportFilters.of(until=dt.datetime(2025, 2, 1)), 14),
        (ExportFilters.of(subregions=["caribbean"], sessions=["general"]), 2),
    ],
)
async def test_filters_narrow_the_answers(
    db: Database, seeded: Seed, filters: ExportFilters, expected: int
) -> None:
    """Each filter, alone or combined, keeps only the matching answers."""
    assert len(await _answer_ids(db, filters)) == expected


async def test_stakeholders_are_consenting_contributors(db: Database, seeded: Seed) -> None:
    """The stakeholder list holds those who consented and answered what the filters keep."""
    assert await _stakeholder_ids(db, ExportFilters()) == {
        seeded.ana,
        seeded.ben,
        seeded.carla,
        seeded.eve,
    }
    later = ExportFilters.of(since=FEBRUARY)
    assert await _stakeholder_ids(db, later) == {seeded.eve}


async def test_pledges_leave_out_non_consenting_stakeholders(db: Database, seeded: Seed) -> None:
    """Only pledges of consenting stakeholders come out, filtered like answers."""
    async with db.transaction() as session:
        titles = [row.title async for row in exports.stream_pledges(session, ExportFilters())]
        english = ExportFilters.of(languages=["en"])
        only_en = [row.title async for row in exports.stream_pledges(session, english)]
    assert titles == ["Abrir 3 centros de orientación", "Train 50 shelter volunteers"]
    assert only_en == ["Train 50 shelter volunteers"]


async def test_participation_counts_each_contributor_once(db: Database, seeded: Seed) -> None:
    """Counts by subregion, category and country add up to the contributors."""
    async with db.transaction() as session:
        cells = await exports.participation(session, ExportFilters())
    assert sorted(cells, key=lambda cell: cell[2] or "") == [
        ("south", "academia", "CL", 1),
        ("caribbean", "migrant_led", "DO", 1),
        ("caribbean", "migrant_led", "HT", 1),
        (None, "civil_society", "US", 1),
    ]
