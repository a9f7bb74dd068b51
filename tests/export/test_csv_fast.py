"""The CSV written as text (bot/export/csv_rows.py) is byte for byte what csv.writer wrote.

The reference is the writer it replaced: `csv.writer` over `AnswerCells(..., neutralise)` on the
typed rows of `answer_batches`. Awkward stored values on both backends: quotes, commas, line
breaks, formula starts, tabs, empty and non-ASCII text, skips, values their question no longer
reads, questions the pack no longer has, and stakeholders of every consent.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest

from bot.export import ExportFilters
from bot.export import csv_rows as csv_rows_module
from bot.export.build import ExportRequest, make_source
from bot.export.csv_rows import CsvRows, read_json
from bot.export.rows import AnswerCells, neutralise
from bot.export.source import ExportSource
from bot.export.to_csv import write_csv
from bot.pack import Pack
from storage.db import Database
from tests.export.helpers import lac_stakeholder
from tests.export.seed import Seed, answer

AWKWARD_TEXTS = [
    'She said "no", then left',
    "one, two, three",
    "first line\nsecond line",
    "windows\r\nline",
    "lone\rreturn",
    "=1+1",
    "+34 600 000 000",
    "-minus first",
    "@mention",
    "\tindented",
    "\rreturn first",
    "",
    "niñez, educación y “comillas”",
    "emoji 🌎 and ümlauts",
    '"',
    ",",
    "'already quoted",
]
MOMENT = dt.datetime(2025, 3, 4, 5, 6, 7, 891011, tzinfo=dt.UTC)


async def reference_csv(source: ExportSource) -> bytes:
    """The CSV as the csv module writes it, from the typed rows (the writer before this one)."""
    buffer = io.BytesIO()
    text = io.TextIOWrapper(buffer, encoding="utf-8-sig", newline="")
    writer = csv.writer(text)
    table = AnswerCells(source.labels, source.anonymize, neutralise)
    writer.writerow(table.columns)
    async for batch in source.answer_batches():
        writer.writerows([table.cells(row) for row in batch])
    text.flush()
    return buffer.getvalue()


async def fast_csv(source: ExportSource) -> bytes:
    buffer = io.BytesIO()
    await write_csv(source, buffer)
    return buffer.getvalue()


@pytest.fixture
async def awkward(db: Database) -> Database:
    """lac-2025 answers of every type holding what a CSV must quote or neutralise."""
    async with db.transaction() as session:
        people = [
            lac_stakeholder(
                "named", organization='Red "Sur", A.C.', attribution_consent=True,
                country="BR", subregion="south_america", language="pt", email="a,b@example.org",
            ),
            lac_stakeholder(
                "formula", organization="=HYPERLINK(1)", attribution_consent=True,
                country="HT", subregion="caribbean", email="=evil@example.org",
            ),
            lac_stakeholder(
                "unnamed", organization="Secret Org", attribution_consent=False,
                country="US", subregion=None, category="academia",
            ),
            lac_stakeholder("unknown", organization=None, attribution_consent=None, country=None),
            lac_stakeholder("never", organization="Never Org", consented_at=None),
        ]  # fmt: skip
        writers = [
            lac_stakeholder(
                f"writer{number}", organization=text or None, attribution_consent=number % 2 == 0,
                country="CL", subregion="south_america", language=("es", "en")[number % 2],
            )
            for number, text in enumerate(AWKWARD_TEXTS)
        ]  # fmt: skip
        session.add_all([*people, *writers])
        await session.flush()
        named, formula, unnamed, unknown, never = people
        stamp = {"updated_at": MOMENT, "created_at": MOMENT}
        rows = [
            answer(who, session_key, "progress", {"text": text}, **stamp)
            for who, text in zip(writers, AWKWARD_TEXTS, strict=True)
            for session_key in ("inclusion", "governance")
        ]
        rows += [
            answer(formula, "inclusion", "challenges", {"skipped": True}),
            answer(unknown, "inclusion", "challenges", {"skipped": True}),
            answer(formula, "inclusion", "practices", {"text": 5}),  # read as no type reads it
            answer(unknown, "inclusion", "practices", {"text": "x", "extra": "=1"}),
            answer(formula, "gone", "question", {"text": '=old, "gone"'}),  # no longer in the pack
            answer(named, "general", "national_plan",
                   {"option": "being_prepared", "text": '=decree, "public"\nconsultation'}),
            answer(unnamed, "general", "national_plan", {"option": "yes_took_part"}),
            answer(named, "inclusion", "cooperation",
                   {"options": ["finance", "other"], "texts": {"other": "+remittances, \"fees\""}}),
            answer(unnamed, "inclusion", "cooperation", {"options": ["finance", "other"],
                   "texts": {"other": "+remittances, \"fees\""}}),
            answer(unknown, "inclusion", "cooperation", {"options": ["nonexistent"]}),
            answer(named, "inclusion", "objectives", {"objectives": [14, 16]}),
            answer(unnamed, "inclusion", "objectives", {"objectives": [14, 16]}),
            answer(named, "inclusion", "evidence",
                   {"attachment_id": 3, "kind": "voice", "filename": "nota, \"1\".ogg"}),
            answer(named, "general", "pledge", {"title": "=Open, \"3\" centres", "objectives": [7],
                   "partners": "OIM, CEPAL", "timeline": None}),
            answer(never, "inclusion", "progress", {"text": "Should never be exported"}),
        ]  # fmt: skip
        session.add_all(rows)
    return db


@pytest.mark.parametrize("anonymize", [False, True])
@pytest.mark.parametrize("language", ["es", "en", "fr"])
async def test_awkward_values_as_csv_writer_writes_them(
    awkward: Database, lac: Pack, language: str, anonymize: bool
) -> None:
    """Every awkward cell, quoted and neutralised as csv.writer did, in three languages."""
    request = ExportRequest("csv", ExportFilters(), anonymize, language)
    source = make_source(awkward, lac, request)
    expected = await reference_csv(source)
    assert expected.count(b"\r\n") > len(AWKWARD_TEXTS) * 2  # the seed reached the file
    assert await fast_csv(source) == expected


async def test_the_export_seed_as_csv_writer_writes_it(
    db: Database, pack: Pack, seeded: Seed
) -> None:
    """The export suite's seed (revisions, formulas, pledges) is written the same, under
    filters of every kind (lists expanded, dates bound as each backend stores them)."""
    february = dt.datetime(2025, 2, 1, tzinfo=dt.UTC)
    for filters, lines in (
        (ExportFilters(), 16),
        (ExportFilters.of(subregions=["south"], languages=["es"]), 5),
        (ExportFilters.of(since=february, until=february + dt.timedelta(days=30)), 2),
        (ExportFilters.of(sessions=["inclusion", "general"], countries=["hT", "cl"]), 8),
    ):
        source = make_source(db, pack, ExportRequest("csv", filters, language="en"))
        written = await fast_csv(source)
        assert written == await reference_csv(source)
        assert len(list(csv.reader(io.StringIO(written.decode("utf-8-sig"))))) == 1 + lines


async def test_a_full_answer_cache_starts_over(
    awkward: Database, lac: Pack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past ANSWER_CACHE_LIMIT closed answers the cache is emptied; the file stays the same."""
    monkeypatch.setattr(csv_rows_module, "ANSWER_CACHE_LIMIT", 2)
    source = make_source(awkward, lac, ExportRequest("csv", ExportFilters(), language="es"))
    assert await fast_csv(source) == await reference_csv(source)


@pytest.mark.parametrize(
    "stored",
    [
        '{"text": "niñez \\u00e9 \\ud83c\\udf0e"}',
        '{"text": "lone \\ud800 surrogate"}',
        '{"rating": NaN, "big": 123456789012345678901234567890}',
        '{"a": 1, "a": 2}',
        '{"options": ["x", "y"], "texts": {}}',
        "null",
    ],
)
def test_read_json_reads_what_json_reads(stored: str) -> None:
    """orjson where it can, json where orjson refuses: the same value either way."""
    read, expected = read_json(stored), json.loads(stored)
    assert json.dumps(read) == json.dumps(expected)


async def test_answers_of_stakeholders_not_listed_are_left_out(
    db: Database, pack: Pack, seeded: Seed
) -> None:
    """Only answers whose stakeholder came through the stakeholder query are written."""
    source = make_source(db, pack, ExportRequest("csv", ExportFilters(), language="en"))
    rows = CsvRows(source.labels, anonymize=False)
    async for person in source.stakeholder_rows():
        if person.stakeholder_id == seeded.ana:
            rows.add_stakeholder(person)
    text = "".join([rows.lines(batch) async for batch in source.stored_answer_batches()])
    written = list(csv.reader(io.StringIO(text, newline="")))
    assert written and {row[11] for row in written} == {str(seeded.ana)}
    assert rows.written == len(written)
