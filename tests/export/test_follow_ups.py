"""Texts written after an option, in exports and the report, in the four languages of lac-2025.

The national plan's process and the "Other" cooperation area are stored within their answer;
the spreadsheets give them a column of their own, the report quotes them under the counts.
Rows stored before follow-ups existed are counted as before and quote nothing.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from docx import Document as WordDocument
from openpyxl import load_workbook

from bot.export.build import build_export
from bot.export.filters import ExportFilters
from bot.pack import Pack
from storage.db import Database
from tests.export.helpers import lac_stakeholder
from tests.export.seed import answer

PROCESS = "Um decreto está em consulta pública."
WORKSHOPS = "Trois ateliers en 2023."
OTHER = "Remessas e inclusão financeira"

# Per language: the option label with its text, as described and quoted, and the report's words.
EXPECTED = {
    "es": {
        "plan": f"Se está preparando: {PROCESS}",
        "other": f"Otra: {OTHER}",
        "own_words": "En sus propias palabras:",
        "unnamed": "una organización liderada por personas migrantes de El Caribe",
    },
    "en": {
        "plan": f"It is being prepared: {PROCESS}",
        "other": f"Other: {OTHER}",
        "own_words": "In their own words:",
        "unnamed": "a migrant-led organization from The Caribbean",
    },
    "pt": {
        "plan": f"Está em preparação: {PROCESS}",
        "other": f"Outra: {OTHER}",
        "own_words": "Nas palavras de quem respondeu:",
        "unnamed": "uma organização liderada por pessoas migrantes (Caribe)",
    },
    "fr": {
        "plan": f"Il est en préparation : {PROCESS}",
        "other": f"Autre : {OTHER}",
        "own_words": "Dans leurs propres mots :",
        "unnamed": "une organisation dirigée par des personnes migrantes (Caraïbes)",
    },
}
LANGUAGES = sorted(EXPECTED)


@pytest.fixture
async def answered(db: Database) -> Database:
    """A named Brazilian and an unnamed Haitian organization with texts; an older row without."""
    async with db.transaction() as session:
        rosa = lac_stakeholder(
            "rosa",
            organization="Rede Sem Fronteiras",
            attribution_consent=True,
            country="BR",
            subregion="south_america",
            language="pt",
        )
        jean = lac_stakeholder(
            "jean",
            organization="Secret Haitian Org",
            attribution_consent=False,
            country="HT",
            subregion="caribbean",
            language="fr",
        )
        old = lac_stakeholder(
            "old", organization="Early Bird", country="CL", subregion="south_america", language="es"
        )
        session.add_all([rosa, jean, old])
        await session.flush()
        session.add_all(
            [
                answer(rosa, "general", "national_plan",
                        {"option": "being_prepared", "text": PROCESS}),
                answer(jean, "general", "national_plan",
                        {"option": "yes_took_part", "text": WORKSHOPS}),
                answer(old, "general", "national_plan", {"option": "yes_took_part"}),
                answer(rosa, "inclusion", "cooperation",
                        {"options": ["finance", "other"], "texts": {"other": OTHER}}),
                answer(old, "inclusion", "cooperation", {"options": ["data"]}),
            ]
        )  # fmt: skip
    return db


def _csv(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


@pytest.mark.parametrize("language", LANGUAGES)
async def test_csv_has_the_text_in_its_own_column(answered: Database, lac: Pack, language: str):
    """option_text holds the text alone; `answer` words the option with it; old rows stay plain."""
    document = await build_export(answered, lac, "csv", ExportFilters(), False, language)
    rows = {(r["question"], r["stakeholder_id"]): r for r in _csv(document.content)}
    plans = [row for (question, _), row in rows.items() if question == "national_plan"]
    assert sorted(row["option_text"] for row in plans) == sorted(["", PROCESS, WORKSHOPS])
    assert EXPECTED[language]["plan"] in {row["answer"] for row in plans}
    areas = [row for (question, _), row in rows.items() if question == "cooperation"]
    assert sorted(row["option_text"] for row in areas) == sorted(["", OTHER])
    assert any(row["answer"].endswith(EXPECTED[language]["other"]) for row in areas)


async def test_jsonl_keeps_the_stored_value_with_its_text(answered: Database, lac: Pack) -> None:
    """JSONL's value is the stored JSON: `text` or `texts` where written, absent on old rows."""
    document = await build_export(answered, lac, "jsonl", ExportFilters(), False, "en")
    values = [json.loads(line)["value"] for line in document.content.decode().splitlines()]
    assert {"option": "being_prepared", "text": PROCESS} in values
    assert {"option": "yes_took_part"} in values
    assert {"options": ["finance", "other"], "texts": {"other": OTHER}} in values


@pytest.mark.parametrize("language", LANGUAGES)
async def test_xlsx_answers_sheet_has_the_column(answered: Database, lac: Pack, language: str):
    """The Answers sheet ends with option_text, filled where a text was written."""
    document = await build_export(answered, lac, "xlsx", ExportFilters(), False, language)
    sheet = load_workbook(io.BytesIO(document.content), read_only=True)["Answers"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][-1] == "option_text"
    assert sorted(row[-1] for row in rows[1:] if row[-1]) == sorted([PROCESS, WORKSHOPS, OTHER])


def _docx_text(content: bytes) -> str:
    document = WordDocument(io.BytesIO(content))
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


@pytest.mark.parametrize("language", LANGUAGES)
async def test_report_quotes_the_texts_under_the_counts(
    answered: Database, lac: Pack, language: str
) -> None:
    """md and docx count every option and quote each text, credited by the attribution rule."""
    expected = EXPECTED[language]
    for format, read in (("md", lambda b: b.decode("utf-8")), ("docx", _docx_text)):
        document = await build_export(answered, lac, format, ExportFilters(), False, language)
        text = read(document.content)
        assert text.count(expected["own_words"]) == 2, format  # the plan and the areas
        for key in ("plan", "other", "unnamed"):
            assert expected[key] in text, (format, key)
        assert WORKSHOPS in text and "Rede Sem Fronteiras" in text, format
        assert "Secret Haitian Org" not in text and "Early Bird" not in text, format


async def test_the_plan_counts_include_old_rows(answered: Database, lac: Pack) -> None:
    """The option table counts rows with and without a text alike."""
    document = await build_export(answered, lac, "md", ExportFilters(), False, "en")
    text = document.content.decode("utf-8")
    assert "| Yes, and my organization took part | 2 |" in text
    assert "| It is being prepared | 1 |" in text
