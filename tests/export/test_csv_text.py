"""csv_text and csv_cell write a cell as csv.writer (excel dialect) writes it, and stored
timestamps read as the typed rows read them."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from bot.export.csv_text import LINE_END, csv_cell, csv_cells
from bot.questions.base import Cell
from storage.exports import stored_iso_seconds, stored_moment

CELLS: list[Cell] = [
    None,
    "",
    "plain",
    'a "quoted" word',
    '"',
    '""',
    "a, b",
    ",",
    "line\nbreak",
    "carriage\rreturn",
    "\r\n",
    "tab\there",
    "\ttab first",
    "=1+1",
    "+1",
    "-1",
    "@SUM(A1)",
    "'quote first",
    " space first ",
    "niñez ü 🌎 “curly” ‘single’",
    "\x0bvertical\x1bescape\x07bell",
    "semicolon; pipe| backslash\\",
    0,
    -7,
    2**70,
    True,
    False,
    1.5,
    0.1,
    -0.0,
    1e22,
]


def written(cells: list[Cell]) -> str:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerow(cells)
    return buffer.getvalue()


@pytest.mark.parametrize("cell", CELLS, ids=repr)
def test_a_cell_as_csv_writer_writes_it(cell: Cell) -> None:
    """Each cell beside a plain neighbour (a row of one empty cell is a special case of csv's)."""
    assert csv_cell(cell) + ",x" + LINE_END == written([cell, "x"])


def test_a_row_as_csv_writer_writes_it() -> None:
    assert csv_cells(CELLS) + LINE_END == written(CELLS)


@pytest.mark.parametrize(
    "stored",
    [
        "2025-02-10 00:00:00.000000",
        "2025-12-31 23:59:59.999999",
        "0999-01-02 03:04:05.000006",
        "2025-02-10 08:09:10",  # not SQLAlchemy's format: parsed
        "2025-02-10T08:09:10+02:00",
        dt.datetime(2025, 2, 10, 8, 9, 10, 500000, tzinfo=dt.UTC),
        dt.datetime(2025, 2, 10, 8, 9, 10, tzinfo=dt.timezone(dt.timedelta(hours=-3))),
        dt.datetime(2025, 2, 10, 8, 9, 10),
    ],
)
def test_stored_timestamps_read_as_the_typed_rows_read_them(stored: str | dt.datetime) -> None:
    """The text cut from SQLite's format equals parsing it; datetimes are written as they are."""
    moment = stored_moment(stored)
    assert moment.tzinfo is not None
    assert stored_iso_seconds(stored) == moment.isoformat(timespec="seconds")
