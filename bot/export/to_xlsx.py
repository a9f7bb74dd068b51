"""XLSX: Answers, Stakeholders, Pledges, one sheet per session and a Summary, in flat memory.

XlsxWriter's constant_memory mode flushes each row to a temporary file as soon as the next row of
the same sheet starts, so every sheet is written strictly top to bottom; sheets are independent,
which lets one pass over the answers fill the Answers sheet and each session's sheet together.
Strings always go through `write_string`, so no answer can become a formula or a link.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any, BinaryIO

import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from bot.export.rows import ANSWER_COLUMNS, PLEDGE_COLUMNS, STAKEHOLDER_COLUMNS, Cell, columns
from bot.export.source import ExportSource

WIDTHS = {
    "answer": 80,
    "question_text": 48,
    "title": 48,
    "described_as": 36,
    "session_title": 30,
    "organization": 30,
    "partners": 30,
    "email": 28,
    "category_name": 26,
    "subregion_name": 22,
    "country_name": 20,
    "timeline": 20,
    "updated_at": 20,
    "created_at": 20,
    "consented_at": 20,
}
DEFAULT_WIDTH = 14
# A session's sheet is for reading: who answered what; the Answers sheet keeps every column.
SESSION_COLUMNS = [
    "answer_id",
    "question_text",
    "answer",
    "organization",
    "described_as",
    "country_name",
    "subregion_name",
    "answer_language",
    "updated_at",
]
_SHEET_NAME_UNSAFE = re.compile(r"[\[\]:*?/\\]")


class Sheet:
    """A worksheet with a frozen, filterable header, written one row after another."""

    def __init__(
        self, workbook: Workbook, name: str, headers: list[str], styles: dict, filter: bool = True
    ) -> None:
        self.worksheet: Worksheet = workbook.add_worksheet(name)
        self.headers = headers
        self.styles = styles
        self.filter = filter
        self.row = 0
        for index, header in enumerate(headers):
            width = WIDTHS.get(header, DEFAULT_WIDTH)
            self.worksheet.set_column(index, index, width, styles["cell"])
        self.worksheet.freeze_panes(1, 0)
        self.append(headers, style="header")

    def append(self, cells: list[Cell], style: str = "cell") -> None:
        for column, cell in enumerate(cells):
            _write(self.worksheet, self.row, column, cell, self.styles[style])
        self.row += 1

    def close(self) -> None:
        if self.filter:
            self.worksheet.autofilter(0, 0, max(self.row - 1, 0), len(self.headers) - 1)


def _write(worksheet: Worksheet, row: int, column: int, cell: Cell, style: Any) -> None:
    if cell is None:
        return
    if isinstance(cell, bool):
        worksheet.write_boolean(row, column, cell, style)
    elif isinstance(cell, int | float):
        worksheet.write_number(row, column, cell, style)
    else:
        worksheet.write_string(row, column, str(cell), style)


def sheet_name(title: str, taken: set[str]) -> str:
    """A name Excel accepts: at most 31 characters, none of []:*?/\\, unique in the workbook."""
    base = _SHEET_NAME_UNSAFE.sub(" ", title).strip()[:31] or "Sheet"
    name, number = base, 2
    while name.lower() in taken:
        suffix = f" ({number})"
        name, number = base[: 31 - len(suffix)] + suffix, number + 1
    taken.add(name.lower())
    return name


def _styles(workbook: Workbook) -> dict:
    return {
        "header": workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1}),
        "cell": workbook.add_format({"text_wrap": True, "valign": "top"}),
        "title": workbook.add_format({"bold": True, "font_size": 14}),
        "section": workbook.add_format({"bold": True}),
    }


def _session_sheets(
    workbook: Workbook, source: ExportSource, styles: dict, taken: set[str]
) -> dict[str, Sheet]:
    """One sheet per pack session the filters keep, named after its short title."""
    labels, sheets = source.labels, {}
    for session in labels.pack.sessions:
        if source.filters.sessions and session.key not in source.filters.sessions:
            continue
        title = labels.text(session.short_title or session.title)
        prefix = f"{session.number} " if session.number is not None else ""
        name = sheet_name(prefix + title, taken)
        sheets[session.key] = Sheet(workbook, name, SESSION_COLUMNS, styles)
    return sheets


async def _fill_answers(
    source: ExportSource, answers: Sheet, sessions: dict[str, Sheet]
) -> Counter[str]:
    per_session: Counter[str] = Counter()
    for_session = [ANSWER_COLUMNS.index(name) for name in SESSION_COLUMNS]
    async for record in source.answers():
        cells = columns(record)
        answers.append(cells)
        per_session[record.session] += 1
        if record.session in sessions:
            sessions[record.session].append([cells[index] for index in for_session])
    return per_session


def _summary_section(sheet: Sheet, heading: str, rows: list[tuple[str, int]]) -> None:
    sheet.append([], style="cell")
    sheet.append([heading], style="section")
    for label, count in rows:
        sheet.append([label, count])


async def _fill_summary(
    source: ExportSource, sheet: Sheet, per_session: Counter[str], pledges: int
) -> None:
    labels, t = source.labels, source.labels.t
    participation = await source.participation()
    sheet.append([t._("Stakeholders"), participation.total])
    sheet.append([t._("Answers"), sum(per_session.values())])
    sheet.append([t._("Pledges"), pledges])
    _summary_section(sheet, t._("Participation by subregion"), participation.by_subregion(labels))
    _summary_section(sheet, t._("Participation by category"), participation.by_category(labels))
    _summary_section(sheet, t._("Participation by country"), participation.by_country(labels))
    keys = [session.key for session in labels.pack.sessions]
    keys += [key for key in per_session if key not in keys]
    by_session = [(labels.session(key), per_session[key]) for key in keys if per_session[key]]
    _summary_section(sheet, t._("Answers by session"), by_session)


async def write_xlsx(source: ExportSource, sink: BinaryIO) -> int:
    """Write the workbook; return how many answers it holds."""
    workbook = xlsxwriter.Workbook(sink, {"constant_memory": True})
    styles, taken = _styles(workbook), {"answers", "stakeholders", "pledges", "summary"}
    answers = Sheet(workbook, "Answers", ANSWER_COLUMNS, styles)
    stakeholders = Sheet(workbook, "Stakeholders", STAKEHOLDER_COLUMNS, styles)
    pledges = Sheet(workbook, "Pledges", PLEDGE_COLUMNS, styles)
    sessions = _session_sheets(workbook, source, styles, taken)
    t = source.labels.t
    summary = Sheet(workbook, "Summary", [t._("Summary"), t._("Count")], styles, filter=False)
    per_session = await _fill_answers(source, answers, sessions)
    async for record in source.stakeholders():
        stakeholders.append(columns(record))
    async for record in source.pledges():
        pledges.append(columns(record))
    await _fill_summary(source, summary, per_session, pledges.row - 1)
    for sheet in (answers, stakeholders, pledges, *sessions.values(), summary):
        sheet.close()
    workbook.close()
    return sum(per_session.values())
