"""CSV export: Excel-friendly UTF-8, one row per answer, formulas neutralised, names guarded."""

from __future__ import annotations

import csv
import io

from bot.export import ExportFilters
from bot.export.rows import ANSWER_COLUMNS
from bot.pack import Pack
from storage.db import Database
from tests.export.helpers import NEVER_NAMED, export_bytes, exported_answers
from tests.export.seed import BEN_TEXT, CARLA_TEXT, EVE_TEXT, FORMULA, Seed


def _rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))


async def test_csv_starts_with_a_bom_and_matches_the_database(
    db: Database, pack: Pack, seeded: Seed
) -> None:
    """The file opens with a BOM and holds each current answer once, with its stakeholder."""
    content = await export_bytes(db, pack, "csv")
    assert content.startswith(b"\xef\xbb\xbf")
    rows = _rows(content)
    assert list(rows[0]) == ANSWER_COLUMNS
    stored = await exported_answers(db)
    assert sorted(int(row["answer_id"]) for row in rows) == sorted(stored)
    for row in rows:
        answer, stakeholder = stored[int(row["answer_id"])]
        assert row["session"] == answer.session_key
        assert row["question"] == answer.question_key
        assert row["revision"] == str(answer.revision)
        assert row["country"] == (stakeholder.country or "")
        if "text" in answer.value and not answer.value["text"].startswith(
            ("=", "+", "@", "\t", "-")
        ):
            assert row["answer"] == answer.value["text"]


async def test_csv_keeps_accents(db: Database, pack: Pack, seeded: Seed) -> None:
    """Accented Spanish survives the round trip."""
    rows = _rows(await export_bytes(db, pack, "csv"))
    assert "Acceso a salud y educación para la niñez" in {row["answer"] for row in rows}


async def test_csv_neutralises_formulas(db: Database, pack: Pack, seeded: Seed) -> None:
    """Cells starting with =, +, -, @ or a tab get a leading quote, so no spreadsheet runs them."""
    answers = {row["answer"] for row in _rows(await export_bytes(db, pack, "csv"))}
    for dangerous in (FORMULA, BEN_TEXT, CARLA_TEXT, EVE_TEXT, "-Fund migrant-led groups directly"):
        assert dangerous not in answers
        assert "'" + dangerous in answers
    assert not any(answer.startswith(("=", "+", "-", "@", "\t", "\r")) for answer in answers)


async def test_csv_names_only_organizations_that_consented(
    db: Database, pack: Pack, seeded: Seed
) -> None:
    """A non-consenting stakeholder is absent; an organization without attribution is unnamed."""
    content = await export_bytes(db, pack, "csv")
    rows = _rows(content)
    assert str(seeded.dan) not in {row["stakeholder_id"] for row in rows}
    assert "Should never be exported" not in content.decode("utf-8-sig")
    for name in NEVER_NAMED:
        assert name not in content.decode("utf-8-sig")
    ben = [row for row in rows if row["stakeholder_id"] == str(seeded.ben)]
    assert ben and {row["described_as"] for row in ben} == {
        "a migrant-led organization from the Caribbean"
    }


async def test_csv_anonymized_drops_names_and_contacts(
    db: Database, pack: Pack, seeded: Seed
) -> None:
    """--anonymize leaves no organization name and no e-mail in the file."""
    content = (await export_bytes(db, pack, "csv", anonymize=True)).decode("utf-8-sig")
    rows = _rows(content.encode("utf-8-sig"))
    assert len(rows) == 16
    assert {row["organization"] for row in rows} == {""}
    assert {row["email"] for row in rows} == {""}
    assert "@example.org" not in content
    assert "Red Migrante Caribe" not in content


async def test_csv_filters_narrow_the_rows(db: Database, pack: Pack, seeded: Seed) -> None:
    """A subregion filter keeps only that subregion's answers."""
    filters = ExportFilters.of(subregions=["south"])
    rows = _rows(await export_bytes(db, pack, "csv", filters))
    assert len(rows) == 5
    assert {row["subregion"] for row in rows} == {"south"}
