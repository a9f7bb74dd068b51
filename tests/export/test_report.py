"""The draft summary report (md, docx): pack headings, grouped answers, attribution kept."""

from __future__ import annotations

import io

import docx
from docx.document import Document

from bot.export import ExportFilters
from bot.pack import Pack
from storage.db import Database
from tests.export.helpers import NAMED, NEVER_NAMED, export_bytes
from tests.export.seed import ANA_TEXT, BEN_TEXT, Seed

SECTIONS_EN = [
    "Participation",
    "Inclusion",
    "Drivers of migration",
    "GCM objectives cited most",
    "Pledges",
    "Recommendations for the 2026 IMRF",
]
UNNAMED_BEN = "a migrant-led organization from the Caribbean"


async def _docx(db: Database, pack: Pack, **options) -> Document:
    return docx.Document(io.BytesIO(await export_bytes(db, pack, "docx", **options)))


def _styled(document: Document, style: str) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.name == style]


def _all_text(document: Document) -> str:
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def _table_after(document: Document, heading: str) -> list[list[str]]:
    """The rows of the first table following the heading with this text."""
    body = list(document.element.body.iterchildren())
    start = next(
        i for i, el in enumerate(body) if el.tag.endswith("p") and heading == el.xpath("string(.)")
    )
    table = next(el for el in body[start:] if el.tag.endswith("tbl"))
    found = next(t for t in document.tables if t._tbl is table)
    return [[cell.text for cell in row.cells] for row in found.rows]


async def test_docx_headings_follow_the_pack(db: Database, pack: Pack, seeded: Seed) -> None:
    """The title, then participation, each thematic session in pack order, objectives, pledges,
    recommendations."""
    document = await _docx(db, pack)
    assert _styled(document, "Title") == ["Draft summary report"]
    assert _styled(document, "Heading 1") == SECTIONS_EN
    questions = _styled(document, "Heading 2")
    assert questions.index("What progress did you see?") < questions.index("Challenges?")
    assert "Recommendations?" in questions and "Pledge?" not in questions


async def test_docx_quotes_by_name_only_with_attribution(
    db: Database, pack: Pack, seeded: Seed
) -> None:
    """Quotes credit a consenting organization by name and describe one that withheld it."""
    document = await _docx(db, pack)
    quotes = _styled(document, "Quote")
    assert ANA_TEXT in quotes and BEN_TEXT in quotes
    assert quotes[quotes.index(ANA_TEXT) + 1] == "— Red Migrante Caribe (Haiti)"
    assert quotes[quotes.index(BEN_TEXT) + 1] == f"— {UNNAMED_BEN}"
    text = _all_text(document)
    for name in NEVER_NAMED:
        assert name not in text
    assert "Should never be exported" not in text


async def test_docx_groups_answers_by_subregion(db: Database, pack: Pack, seeded: Seed) -> None:
    """A question's quotes sit under one heading per subregion, with its count."""
    headings = _styled(await _docx(db, pack), "Heading 3")
    assert headings[:2] == ["the Caribbean (2)", "South America (1)"]
    assert "Other countries (1)" in headings


async def test_docx_participation_chart_and_tables(db: Database, pack: Pack, seeded: Seed) -> None:
    """Participation comes as a bar chart image and tables matching the contributors."""
    document = await _docx(db, pack)
    assert len(document.inline_shapes) == 1
    assert _table_after(document, "Participation by subregion") == [
        ["Subregion", "Stakeholders"],
        ["the Caribbean", "2"],
        ["South America", "1"],
        ["Other countries", "1"],
    ]
    assert ["Academia", "1"] in _table_after(document, "Participation by category")
    assert ["Haiti", "1"] in _table_after(document, "Participation by country")
    summary = dict(map(tuple, _table_after(document, "Participation")[1:]))
    assert summary == {"Stakeholders": "4", "Answers": "15", "Pledges": "2"}  # one was skipped


async def test_docx_objectives_and_pledges(db: Database, pack: Pack, seeded: Seed) -> None:
    """Objectives are ranked by citations (answers and pledges); pledges keep attribution."""
    document = await _docx(db, pack)
    cited = _table_after(document, "GCM objectives cited most")
    assert cited[1] == ["Objective 16: Inclusion and social cohesion", "3"]
    pledges = _table_after(document, "Pledges")
    assert pledges[1][:2] == ["Abrir 3 centros de orientación", "Red Migrante Caribe (Haiti)"]
    assert pledges[2][:2] == ["Train 50 shelter volunteers", UNNAMED_BEN]


async def test_docx_choices_are_counted_and_skips_left_out(
    db: Database, pack: Pack, seeded: Seed
) -> None:
    """Choice answers become counts by option label; a skipped question is not an answer."""
    document = await _docx(db, pack)
    assert _table_after(document, "Priority?") == [
        ["Option", "Answers"],
        ["Health", "2"],
        ["Work", "1"],
    ]
    paragraphs = [p.text for p in document.paragraphs]
    documents = paragraphs.index("Documents?")
    assert paragraphs[documents + 1] == "1 answer"


async def test_docx_in_spanish_uses_the_pack_spanish(
    db: Database, pack: Pack, seeded: Seed
) -> None:
    """A Spanish report takes session, question and subregion names from the pack in Spanish."""
    document = await _docx(db, pack, language="es")
    headings = _styled(document, "Heading 1")
    assert "Inclusión" in headings and "Factores de la migración" in headings
    assert "¿Qué avances vio?" in _styled(document, "Heading 2")
    assert "el Caribe (2)" in _styled(document, "Heading 3")
    assert "una organización liderada por migrantes" in _all_text(document)


async def test_docx_anonymized_names_nobody(db: Database, pack: Pack, seeded: Seed) -> None:
    """An anonymized report describes every organization and names none."""
    text = _all_text(await _docx(db, pack, anonymize=True))
    for name in NAMED + NEVER_NAMED:
        assert name not in text
    assert "an academic institution from South America" in text


async def test_docx_filter_keeps_one_subregion(db: Database, pack: Pack, seeded: Seed) -> None:
    """A subregion filter reports only its stakeholders' answers and says it was filtered."""
    document = await _docx(db, pack, filters=ExportFilters.of(subregions=["south"]))
    text = _all_text(document)
    assert ANA_TEXT not in text and BEN_TEXT not in text
    assert "Filters: South America" in text
    assert _styled(document, "Heading 3") == ["South America (1)"] * 3


async def test_markdown_report(db: Database, pack: Pack, seeded: Seed) -> None:
    """The Markdown report has the same sections, quotes with their credit, and the chart."""
    text = (await export_bytes(db, pack, "md")).decode("utf-8")
    for section in SECTIONS_EN:
        assert f"\n## {section}\n" in text
    assert f"> {ANA_TEXT}\n>\n> — *Red Migrante Caribe (Haiti)*" in text
    assert f"> \\{BEN_TEXT}\n>\n> — *{UNNAMED_BEN}*" in text
    assert "](data:image/png;base64," in text
    for name in NEVER_NAMED:
        assert name not in text
