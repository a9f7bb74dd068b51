"""CSV: one row per answer, UTF-8 with a BOM so Excel reads the accents right.

The stakeholders are rendered first, once each; then the answers are read as stored (no per-row
type processing) and written as text a database chunk at a time (bot/export/csv_rows.py). Every
string cell is neutralised against formula injection.
"""

from __future__ import annotations

import codecs
from typing import BinaryIO

from bot.export.csv_rows import CsvRows
from bot.export.source import ExportSource


async def write_csv(source: ExportSource, sink: BinaryIO) -> int:
    """Write the answers; return how many rows were written."""
    rows = CsvRows(source.labels, source.anonymize)
    async for stakeholder in source.stakeholder_rows():
        rows.add_stakeholder(stakeholder)
    sink.write(codecs.BOM_UTF8 + rows.header.encode("utf-8"))
    async for batch in source.stored_answer_batches():
        sink.write(rows.lines(batch).encode("utf-8"))
    return rows.written
