"""XLSX: Answers, Stakeholders, Pledges, one sheet per session and a Summary, in flat memory.

Every sheet spools to a temporary file as its rows come (bot/export/xlsx_writer.py), so one pass
over the answers, a database chunk at a time, fills the Answers sheet and each session's sheet
together. Strings are always inline strings, so no answer can become a formula or a link.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import BinaryIO

from bot.export.rows import (
    ANSWER_COLUMNS,
    PLEDGE_COLUMNS,
    STAKEHOLDER_COLUMNS,
    AnswerCells,
    columns,
)
from bot.export.source import ExportSource
from bot.export.xlsx_writer import Sheet, Workbook

WIDTHS = {
    "answer": 80,
    "question_text": 48,
    "title": 48,
    "option_text": 48,
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


def sheet_name(title: str, taken: set[str]) -> str:
    """A name Excel accepts: at most 31 characters, none of []:*?/\\, unique in the workbook."""
    # Excel also refuses a name that starts or ends with an apostrophe
    base = _SHEET_NAME_UNSAFE.sub(" ", title).strip().strip("'").strip()[:31] or "Sheet"
    name, number = base, 2
    while name.lower() in taken:
        suffix = f" ({number})"
        name, number = base[: 31 - len(suffix)] + suffix, number + 1
    taken.add(name.lower())
    return name


def add_sheet(workbook: Workbook, name: str, headers: list[str], filter: bool = True) -> Sheet:
    """A sheet whose columns are as wide as WIDTHS says for their header."""
    widths = [float(WIDTHS.get(header, DEFAULT_WIDTH)) for header in headers]
    return workbook.add_sheet(name, headers, widths, filter)


def _session_sheets(workbook: Workbook, source: ExportSource, taken: set[str]) -> dict[str, Sheet]:
    """One sheet per pack session the filters keep, named after its short title."""
    labels, sheets = source.labels, {}
    for session in labels.pack.sessions:
        if source.filters.sessions and session.key not in source.filters.sessions:
            continue
        title = labels.text(session.short_title or session.title)
        prefix = f"{session.number} " if session.number is not None else ""
        name = sheet_name(prefix + title, taken)
        sheets[session.key] = add_sheet(workbook, name, SESSION_COLUMNS)
    return sheets


async def _fill_answers(
    source: ExportSource, answers: Sheet, sessions: dict[str, Sheet]
) -> Counter[str]:
    per_session: Counter[str] = Counter()
    for_session = [ANSWER_COLUMNS.index(name) for name in SESSION_COLUMNS]
    table = AnswerCells(source.labels, source.anonymize)
    async for batch in source.answer_batches():
        for row in batch:
            cells = table.cells(row)
            answers.append(cells)
            per_session[row.session_key] += 1
            sheet = sessions.get(row.session_key)
            if sheet is not None:
                sheet.append([cells[index] for index in for_session])
    return per_session


def _summary_section(sheet: Sheet, heading: str, rows: list[tuple[str, int]]) -> None:
    sheet.append([])
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
    workbook = Workbook(sink)
    taken = {"answers", "stakeholders", "pledges", "summary"}
    answer_columns = AnswerCells(source.labels, source.anonymize).columns
    answers = add_sheet(workbook, "Answers", answer_columns)
    stakeholders = add_sheet(workbook, "Stakeholders", STAKEHOLDER_COLUMNS)
    pledges = add_sheet(workbook, "Pledges", PLEDGE_COLUMNS)
    sessions = _session_sheets(workbook, source, taken)
    t = source.labels.t
    summary = add_sheet(workbook, "Summary", [t._("Summary"), t._("Count")], filter=False)
    per_session = await _fill_answers(source, answers, sessions)
    async for record in source.stakeholders():
        stakeholders.append(columns(record))
    async for record in source.pledges():
        pledges.append(columns(record))
    await _fill_summary(source, summary, per_session, pledges.rows - 1)
    workbook.close()
    return sum(per_session.values())
