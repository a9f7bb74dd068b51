"""The rapporteur's report and exports in Portuguese and French, from the bundled pack."""

from __future__ import annotations

import io

import pytest
from docx import Document as WordDocument
from openpyxl import load_workbook

from bot.export.build import build_export
from bot.export.filters import ExportFilters
from bot.pack import Pack
from storage.db import Database
from tests.export.helpers import lac_stakeholder
from tests.export.seed import answer

# What each language must show: the catalog's heading, the pack's session and objective titles,
# an option label, and how an organization that withheld its name is described.
EXPECTED = {
    "pt": {
        "heading": "Rascunho do relatório-síntese",
        "participation": "Participação por sub-região",
        "session": "Inclusão",
        "answered_session": "Perguntas gerais",
        "objective": "Empoderar os migrantes e as sociedades para a plena inclusão e coesão social",
        "option": "Financiamento",
        "anonymous": "uma organização liderada por pessoas migrantes (Caribe)",
        "question": "Que avanços você viu no seu país nesses temas desde 2022?",
    },
    "fr": {
        "heading": "Projet de rapport de synthèse",
        "participation": "Participation par sous-région",
        "session": "Facteurs de migration et voies régulières",
        "answered_session": "Questions générales",
        "objective": (
            "Donner aux migrants et aux sociétés des moyens en faveur de la pleine intégration "
            "et de la cohésion sociale"
        ),
        "option": "Financement",
        "anonymous": "une organisation dirigée par des personnes migrantes (Caraïbes)",
        "question": "Quels progrès avez-vous constatés dans votre pays sur ces questions",
    },
}
ENGLISH = ("Draft summary report", "Participation by subregion", "Migrant-led organizations")


@pytest.fixture
async def answered(db: Database) -> Database:
    """A named Brazilian organization and an unnamed Haitian one, answering session 1."""
    async with db.transaction() as session:
        named = lac_stakeholder(
            "rosa",
            organization="Rede Sem Fronteiras",
            attribution_consent=True,
            country="BR",
            subregion="south_america",
            language="pt",
        )
        unnamed = lac_stakeholder(
            "jean", organization="Secret Haitian Org", attribution_consent=False,
            country="HT", subregion="caribbean", language="fr",
        )  # fmt: skip
        session.add_all([named, unnamed])
        await session.flush()
        session.add_all(
            [
                answer(named, "inclusion", "objectives", {"objectives": [16]}),
                answer(unnamed, "inclusion", "objectives", {"objectives": [16, 22]}),
                answer(named, "inclusion", "progress", {"text": "Abrimos dois centros."}),
                answer(unnamed, "inclusion", "progress", {"text": "Deux centres ouverts."}),
                answer(named, "inclusion", "cooperation", {"options": ["finance", "data"]}),
                answer(unnamed, "general", "recommendations", {"text": "Financer les réseaux."}),
            ]
        )
    return db


def _docx_text(content: bytes) -> str:
    document = WordDocument(io.BytesIO(content))
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def _xlsx_text(content: bytes) -> str:
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    cells = [
        str(value)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    ]
    return "\n".join(cells)


@pytest.mark.parametrize("language", ["pt", "fr"])
async def test_report_in_portuguese_and_french(answered: Database, lac: Pack, language: str):
    """md and docx reports use the catalog and the pack in the language asked, nothing English."""
    expected = EXPECTED[language]
    for format, read in (("md", lambda b: b.decode("utf-8")), ("docx", _docx_text)):
        document = await build_export(answered, lac, format, ExportFilters(), False, language)
        text = read(document.content)
        for key in ("heading", "participation", "session", "objective", "anonymous"):
            assert expected[key] in text, (format, key)
        assert "Rede Sem Fronteiras" in text and "Secret Haitian Org" not in text, format
        for english in ENGLISH:
            assert english not in text, (format, english)


@pytest.mark.parametrize("language", ["pt", "fr"])
async def test_spreadsheet_in_portuguese_and_french(answered: Database, lac: Pack, language: str):
    """xlsx cells carry session titles, questions and option labels in the language asked."""
    expected = EXPECTED[language]
    document = await build_export(answered, lac, "xlsx", ExportFilters(), False, language)
    text = _xlsx_text(document.content)
    for key in ("answered_session", "question", "option"):
        assert expected[key] in text, key
    assert "Data gathering and analysis" not in text and "Inclusion and social" not in text


@pytest.mark.parametrize("language", ["pt", "fr"])
async def test_anonymized_report_names_nobody(answered: Database, lac: Pack, language: str):
    """With anonymize, even the consenting organization is only described."""
    document = await build_export(answered, lac, "md", ExportFilters(), True, language)
    text = document.content.decode("utf-8")
    assert "Rede Sem Fronteiras" not in text
    assert EXPECTED[language]["anonymous"] in text
