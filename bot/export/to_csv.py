"""CSV: one row per answer, UTF-8 with a BOM so Excel reads the accents right."""

from __future__ import annotations

import csv
import io
from typing import BinaryIO

from bot.export.rows import ANSWER_COLUMNS, Cell, columns, neutralise
from bot.export.source import ExportSource


def _safe(cell: Cell) -> Cell:
    return neutralise(cell) if isinstance(cell, str) else cell


async def write_csv(source: ExportSource, sink: BinaryIO) -> int:
    """Write the answers; return how many rows were written."""
    text = io.TextIOWrapper(sink, encoding="utf-8-sig", newline="", write_through=True)
    try:
        writer = csv.writer(text)
        writer.writerow(ANSWER_COLUMNS)
        count = 0
        async for record in source.answers():
            writer.writerow([_safe(cell) for cell in columns(record)])
            count += 1
        text.flush()
    finally:
        text.detach()  # leave the sink open for the caller
    return count
