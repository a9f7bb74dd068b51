"""The publication opt-in in exports: a column on answers and stakeholders, and a filter.

In the seed, ana and eve allowed publication, ben refused and carla was never asked (registered
before the question existed): only a stored "yes" counts as allowed.
"""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import load_workbook
from sqlalchemy import update

from bot.export import ExportFilters
from bot.pack import Pack
from storage.db import Database
from storage.models import Stakeholder
from tests.export.helpers import export_bytes, exported_answers
from tests.export.seed import Seed


async def allow(db: Database, seeded: Seed) -> Seed:
    """Record the seed's publication choices: ana and eve yes, ben no, carla never asked."""
    choices = {seeded.ana: True, seeded.eve: True, seeded.ben: False}
    async with db.transaction() as session:
        for stakeholder_id, choice in choices.items():
            await session.execute(
                update(Stakeholder)
                .where(Stakeholder.id == stakeholder_id)
                .values(publication_consent=choice)
            )
    return seeded


def _jsonl(content: bytes) -> list[dict]:
    return [json.loads(line) for line in content.decode("utf-8").splitlines()]


def _sheet(content: bytes, name: str) -> list[dict]:
    rows = load_workbook(io.BytesIO(content), read_only=True)[name].iter_rows(values_only=True)
    headers = next(rows)
    return [dict(zip(headers, row, strict=True)) for row in rows]


async def test_every_answer_says_whether_it_may_be_published(
    db: Database, pack: Pack, seeded: Seed
) -> None:
    """publication_consent is true only where the stakeholder said yes; never asked is false."""
    await allow(db, seeded)
    records = _jsonl(await export_bytes(db, pack, "jsonl"))
    allowed = {r["stakeholder_id"] for r in records if r["publication_consent"] is True}
    refused = {r["stakeholder_id"] for r in records if r["publication_consent"] is False}
    assert allowed == {seeded.ana, seeded.eve}
    assert refused == {seeded.ben, seeded.carla}


async def test_the_stakeholder_sheet_has_the_column(db: Database, pack: Pack, seeded: Seed):
    """The Stakeholders sheet carries each contributor's choice beside attribution."""
    await allow(db, seeded)
    rows = _sheet(await export_bytes(db, pack, "xlsx"), "Stakeholders")
    choices = {row["stakeholder_id"]: row["publication_consent"] for row in rows}
    assert choices == {seeded.ana: True, seeded.ben: False, seeded.carla: False, seeded.eve: True}


async def test_published_only_keeps_those_who_allowed_it(db: Database, pack: Pack, seeded: Seed):
    """The filter keeps their answers, their pledges and them alone, in every sheet."""
    await allow(db, seeded)
    filters = ExportFilters.of(published_only=True)
    stored = await exported_answers(db)
    expected = sorted(
        answer_id
        for answer_id, (_, stakeholder) in stored.items()
        if stakeholder.publication_consent is True
    )
    records = _jsonl(await export_bytes(db, pack, "jsonl", filters))
    assert sorted(record["answer_id"] for record in records) == expected and expected
    workbook = await export_bytes(db, pack, "xlsx", filters)
    stakeholders = {row["stakeholder_id"] for row in _sheet(workbook, "Stakeholders")}
    assert stakeholders == {seeded.ana, seeded.eve}
    assert [row["title"] for row in _sheet(workbook, "Pledges")] == [
        "Abrir 3 centros de orientación"
    ]


@pytest.mark.parametrize(
    ("language", "said"),
    [("en", "only stakeholders who allowed publication"), ("es", "solo quienes autorizaron")],
)
async def test_the_report_says_it_covers_published_answers_only(
    db: Database, pack: Pack, seeded: Seed, language: str, said: str
) -> None:
    """The report names the filter and counts only the stakeholders it keeps."""
    await allow(db, seeded)
    filters = ExportFilters.of(published_only=True)
    text = (await export_bytes(db, pack, "md", filters, language=language)).decode("utf-8")
    assert said in text
    assert "Secret Shelter Org" not in text and "Universidad del Sur" not in text
    assert "Red Migrante Caribe" in text
