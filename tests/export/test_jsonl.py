"""JSONL export: one JSON object per current answer, with its raw value and revision."""

from __future__ import annotations

import json

from bot.export import ExportFilters
from bot.pack import Pack
from storage.db import Database
from tests.export.helpers import NEVER_NAMED, export_bytes, exported_answers
from tests.export.seed import FORMULA, Seed

SCHEMA_KEYS = {
    "answer_id", "revision", "updated_at", "session", "session_title", "question",
    "question_text", "question_type", "answer", "skipped", "answer_language", "stakeholder_id",
    "organization", "described_as", "category", "category_name", "country", "country_name",
    "subregion", "subregion_name", "email", "attribution_consent", "publication_consent",
    "value",
}  # fmt: skip


def _records(content: bytes) -> list[dict]:
    return [json.loads(line) for line in content.decode("utf-8").splitlines()]


async def test_jsonl_holds_one_record_per_current_answer(
    db: Database, pack: Pack, seeded: Seed
) -> None:
    """Each line parses, has the documented keys, and carries the stored value and revision."""
    records = _records(await export_bytes(db, pack, "jsonl"))
    stored = await exported_answers(db)
    assert sorted(record["answer_id"] for record in records) == sorted(stored)
    for record in records:
        assert set(record) == SCHEMA_KEYS
        answer, stakeholder = stored[record["answer_id"]]
        assert record["value"] == answer.value
        assert record["revision"] == answer.revision
        assert record["stakeholder_id"] == stakeholder.id


async def test_jsonl_keeps_raw_text_and_skipped_answers(
    db: Database, pack: Pack, seeded: Seed
) -> None:
    """Raw exports keep text as written and keep a skipped optional question, marked skipped."""
    records = _records(await export_bytes(db, pack, "jsonl"))
    assert FORMULA in {record["answer"] for record in records}
    skipped = [record for record in records if record["skipped"]]
    assert [record["stakeholder_id"] for record in skipped] == [seeded.eve]
    assert skipped[0]["value"] == {"skipped": True}


async def test_jsonl_revised_answer_is_exported_once(
    db: Database, pack: Pack, seeded: Seed
) -> None:
    """Only the current revision of a revised answer is exported, with its revision number."""
    records = _records(await export_bytes(db, pack, "jsonl"))
    ana_progress = [
        r for r in records if r["stakeholder_id"] == seeded.ana and r["question"] == "progress"
    ]
    assert [(r["revision"], r["answer_id"] != seeded.old_answer) for r in ana_progress] == [
        (2, True)
    ]


async def test_jsonl_names_only_with_attribution(db: Database, pack: Pack, seeded: Seed) -> None:
    """Organizations without attribution, and non-consenting stakeholders, never appear."""
    content = (await export_bytes(db, pack, "jsonl")).decode("utf-8")
    for name in NEVER_NAMED:
        assert name not in content
    organizations = {record["organization"] for record in _records(content.encode())}
    assert organizations == {"Red Migrante Caribe", "Universidad del Sur", "Frontera Norte", None}


async def test_jsonl_language_filter(db: Database, pack: Pack, seeded: Seed) -> None:
    """A language filter keeps only answers given in that language."""
    filters = ExportFilters.of(languages=["en"])
    records = _records(await export_bytes(db, pack, "jsonl", filters))
    assert len(records) == 7
    assert {record["answer_language"] for record in records} == {"en"}
