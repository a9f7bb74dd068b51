"""CSV: one row per answer, UTF-8 with a BOM so Excel reads the accents right.

Rows go out a database chunk at a time through the csv module's `writerows`; every string cell
is neutralised against formula injection (cells worked out once per question and stakeholder
are neutralised once).
"""

from __future__ import annotations

import csv
import io
from typing import BinaryIO

from bot.export.rows import ANSWER_COLUMNS, AnswerCells, neutralise
from bot.export.source import ExportSource


async def write_csv(source: ExportSource, sink: BinaryIO) -> int:
    """Write the answers; return how many rows were written."""
    text = io.TextIOWrapper(sink, encoding="utf-8-sig", newline="")
    try:
        writer = csv.writer(text)
        writer.writerow(ANSWER_COLUMNS)
        table = AnswerCells(source.labels, source.anonymize, neutralise)
        count = 0
        async for batch in source.answer_batches():
            writer.writerows([table.cells(row) for row in batch])
            count += len(batch)
        text.flush()
    finally:
        text.detach()  # leave the sink open for the caller
    return count
