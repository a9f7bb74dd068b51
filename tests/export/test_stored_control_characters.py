"""Every export format copes with what is already stored: control characters, markup, formulas.

Text is cleaned as it enters now, but rows written before (or by another tool) may hold a
vertical tab from Word, a NUL or an ESC; one of them must not block the rapporteur's report.
"""

from __future__ import annotations

import csv
import io
import json

import docx
from markdown_it import MarkdownIt
from openpyxl import load_workbook

from bot.pack import Pack
from storage.db import Database
from tests.export.helpers import export_bytes
from tests.export.seed import Seed, _stakeholder, answer

PASTED = "Primero\x0bsegundo\x00 y\x1b[2J fin\x07\n<script>alert('x')</script> <b>bold</b>"
ORGANIZATION = "Red\x0b Sur\x1b <img src=x onerror=alert(1)>"  # PostgreSQL text holds no NUL
CONTROL = [chr(n) for n in range(32) if chr(n) not in "\n\t"]


async def _store_pasted(db: Database) -> None:
    pasted = PASTED if db.is_sqlite else PASTED.replace("\x00", "")  # PostgreSQL holds no NUL
    async with db.transaction() as session:
        person = _stakeholder(
            "zoe", organization=ORGANIZATION, attribution_consent=True,
            category="academia", country="CL", subregion="south",
        )  # fmt: skip
        session.add(person)
        await session.flush()
        session.add(answer(person, "inclusion", "progress", {"text": pasted}))
        session.add(answer(person, "drivers", "challenges", {"text": pasted}))
        session.add(answer(person, "general", "recommendations", {"text": pasted}))


async def test_every_format_opens_despite_control_characters(
    db: Database, pack: Pack, seeded: Seed
) -> None:
    """csv, jsonl, xlsx, docx and md are produced and read back by their own readers."""
    await _store_pasted(db)
    rows = list(csv.reader(io.StringIO((await export_bytes(db, pack, "csv")).decode("utf-8"))))
    assert any("segundo" in cell for row in rows for cell in row)
    lines = (await export_bytes(db, pack, "jsonl")).decode("utf-8").splitlines()
    assert any("segundo" in json.dumps(json.loads(line)) for line in lines)
    workbook = load_workbook(io.BytesIO(await export_bytes(db, pack, "xlsx")))
    assert any(
        "segundo" in str(cell)
        for sheet in workbook
        for row in sheet.iter_rows(values_only=True)
        for cell in row
    )
    document = docx.Document(io.BytesIO(await export_bytes(db, pack, "docx")))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "segundo" in text and not any(char in text for char in CONTROL)


async def test_the_markdown_report_carries_no_raw_html_or_control_characters(
    db: Database, pack: Pack, seeded: Seed
) -> None:
    """An answer's <script> shows as text when the report is rendered; ESC and NUL are gone."""
    await _store_pasted(db)
    markdown = (await export_bytes(db, pack, "md")).decode("utf-8")
    assert "segundo" in markdown
    assert not any(char in markdown for char in CONTROL)
    html = MarkdownIt("commonmark").render(markdown)
    assert "<script>" not in html and "<img src=x" not in html and "<b>bold" not in html
    assert "&lt;script&gt;alert" in html  # shown, as the stakeholder wrote it
