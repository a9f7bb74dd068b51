"""CSV text as the csv module writes it (excel dialect, QUOTE_MINIMAL), built as plain strings.

The CSV export joins cells it rendered once (per question, per stakeholder) with the few that
change per answer, so the csv module would only spend its time re-quoting the same text.
tests/export/test_csv_text.py holds these functions to `csv.writer`'s output.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.questions.base import Cell

LINE_END = "\r\n"


def csv_text(text: str) -> str:
    """A string cell: quoted where it holds a comma, a quote or a line break, quotes doubled."""
    if '"' in text:
        return '"' + text.replace('"', '""') + '"'
    if "," in text or "\n" in text or "\r" in text:
        return '"' + text + '"'
    return text


def csv_cell(cell: Cell) -> str:
    """Any cell: None empty, numbers and booleans as `str` gives them, strings as `csv_text`."""
    if cell is None:
        return ""
    if isinstance(cell, str):
        return csv_text(cell)
    return str(cell)


def csv_cells(cells: Iterable[Cell]) -> str:
    """Cells joined by commas, without the line end: a fragment of a row."""
    return ",".join(csv_cell(cell) for cell in cells)
