"""The draft summary report as a Word document the rapporteur can edit (python-docx)."""

from __future__ import annotations

import io

from docx import Document as new_document
from docx.document import Document
from docx.shared import Inches

from bot.export.outline import Block, Heading, Image, Paragraph, Table
from bot.export.report import Quote


def _table(document: Document, block: Table) -> None:
    table = document.add_table(rows=1, cols=len(block.headers))
    table.style = "Light Grid Accent 1"
    for cell, header in zip(table.rows[0].cells, block.headers, strict=True):
        cell.text = header
    for row in block.rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text


def _quote(document: Document, quote: Quote) -> None:
    document.add_paragraph(quote.text.strip(), style="Quote")
    source = document.add_paragraph(style="Quote")
    source.add_run(f"— {quote.source}").italic = True


def _block(document: Document, block: Block) -> None:
    if isinstance(block, Heading):
        document.add_heading(" ".join(block.text.split()), level=block.level)
    elif isinstance(block, Paragraph):
        document.add_paragraph(block.text)
    elif isinstance(block, Table):
        _table(document, block)
    elif isinstance(block, Quote):
        _quote(document, block)
    elif isinstance(block, Image):
        document.add_picture(io.BytesIO(block.png), width=Inches(6))
        document.add_paragraph(block.caption, style="Caption")


def render_docx(blocks: list[Block]) -> bytes:
    """A .docx built from python-docx's default template."""
    document = new_document()
    for block in blocks:
        _block(document, block)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
