"""Fast cells equal the records' cells, and the XLSX writer escapes what Excel refuses."""

from __future__ import annotations

import pytest

from bot.core.i18n import translator
from bot.export import ExportFilters
from bot.export.labels import Labels
from bot.export.rows import AnswerCells, answer_record, columns, neutralise
from bot.export.xlsx_writer import MAX_STRING, cell_xml, escape
from bot.pack import Pack
from storage import exports
from storage.db import Database
from tests.export.seed import Seed


@pytest.mark.parametrize("anonymize", [False, True])
async def test_answer_cells_equal_the_records_cells(
    db: Database, pack: Pack, seeded: Seed, anonymize: bool
) -> None:
    """AnswerCells gives, row for row, what columns(answer_record(...)) gives, neutralised too."""
    labels = Labels(pack, translator("en"))
    plain, safe = AnswerCells(labels, anonymize), AnswerCells(labels, anonymize, neutralise)
    async with db.transaction() as session:
        rows = [row async for row in exports.stream_answers(session, ExportFilters())]
    assert len(rows) == 16
    for row in rows:
        expected = columns(answer_record(row, labels, anonymize))
        assert plain.cells(row) == expected
        assert safe.cells(row) == [neutralise(c) if isinstance(c, str) else c for c in expected]


def test_escape_keeps_the_xml_valid() -> None:
    """Entities escaped, control characters as _xHHHH_, long text cut at Excel's limit."""
    assert escape("a < b & c > d") == "a &lt; b &amp; c &gt; d"
    assert escape("bell\x07tab\tline\n") == "bell_x0007_tab\tline\n"
    assert len(escape("x" * (MAX_STRING + 10))) == MAX_STRING


def test_cells_by_type() -> None:
    """Numbers, booleans and strings each get their cell type; None writes no cell."""
    assert cell_xml("A1", 3, 1) == '<c r="A1" s="1"><v>3</v></c>'
    assert cell_xml("B1", True, 1) == '<c r="B1" s="1" t="b"><v>1</v></c>'
    assert 't="inlineStr"' in cell_xml("C1", "=1+1", 1)
    assert cell_xml("D1", None, 1) == ""
