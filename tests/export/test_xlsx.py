"""XLSX export: the sheets, their frozen filterable headers, and content as stored."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from bot.export import ExportFilters
from bot.export.rows import ANSWER_COLUMNS
from bot.export.to_xlsx import sheet_name
from bot.export.xlsx_writer import Workbook
from bot.pack import Pack
from storage.db import Database
from tests.export.helpers import NEVER_NAMED, export_bytes, exported_answers
from tests.export.seed import FORMULA, Seed

SHEETS = [
    "Answers",
    "Stakeholders",
    "Pledges",
    "1 Inclusion",
    "2 Drivers of migration",
    "General questions",
    "Summary",
]


async def _workbook(db: Database, pack: Pack, **options):
    return load_workbook(io.BytesIO(await export_bytes(db, pack, "xlsx", **options)))


def _records(sheet: Worksheet) -> list[dict]:
    rows = sheet.iter_rows(values_only=True)
    headers = next(rows)
    return [dict(zip(headers, row, strict=True)) for row in rows]


async def test_xlsx_has_the_sheets_in_order(db: Database, pack: Pack, seeded: Seed) -> None:
    """Answers, Stakeholders, Pledges, one sheet per session, then Summary."""
    workbook = await _workbook(db, pack)
    assert workbook.sheetnames == SHEETS


async def test_xlsx_headers_are_frozen_filtered_wide_and_wrapped(
    db: Database, pack: Pack, seeded: Seed
) -> None:
    """Every data sheet freezes its header row and filters it; long text is wide and wraps."""
    workbook = await _workbook(db, pack)
    for name in SHEETS[:-1]:
        assert workbook[name].freeze_panes == "A2", name
        assert workbook[name].auto_filter.ref, name
    answers = workbook["Answers"]
    assert answers.auto_filter.ref == f"A1:W{16 + 1}"  # 23 columns: no option asks for text
    column = chr(ord("A") + ANSWER_COLUMNS.index("answer"))
    assert answers.column_dimensions[column].width >= 60
    assert answers[f"{column}2"].alignment.wrap_text is True


async def test_xlsx_answers_match_the_database(db: Database, pack: Pack, seeded: Seed) -> None:
    """The Answers sheet holds each current answer once with its stakeholder's columns."""
    records = _records((await _workbook(db, pack))["Answers"])
    stored = await exported_answers(db)
    assert sorted(record["answer_id"] for record in records) == sorted(stored)
    for record in records:
        answer, stakeholder = stored[record["answer_id"]]
        assert (record["session"], record["question"]) == (answer.session_key, answer.question_key)
        assert record["country"] == stakeholder.country
        if "text" in answer.value:
            assert record["answer"] == answer.value["text"]


async def test_xlsx_never_turns_an_answer_into_a_formula(
    db: Database, pack: Pack, seeded: Seed
) -> None:
    """A formula-looking answer is stored as a string cell, not a formula."""
    sheet = (await _workbook(db, pack))["Answers"]
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row]
    assert not [cell for cell in cells if cell.data_type == "f"]
    assert [cell.data_type for cell in cells if cell.value == FORMULA] == ["s"]


async def test_xlsx_stakeholders_pledges_and_sessions(
    db: Database, pack: Pack, seeded: Seed
) -> None:
    """Consenting contributors, their pledges and each session's answers fill their sheets."""
    workbook = await _workbook(db, pack)
    stakeholders = _records(workbook["Stakeholders"])
    assert sorted(row["stakeholder_id"] for row in stakeholders) == sorted(
        [seeded.ana, seeded.ben, seeded.carla, seeded.eve]
    )
    pledges = _records(workbook["Pledges"])
    assert [row["title"] for row in pledges] == [
        "Abrir 3 centros de orientación",
        "Train 50 shelter volunteers",
    ]
    assert pledges[1]["organization"] is None
    assert len(_records(workbook["1 Inclusion"])) == 11
    assert len(_records(workbook["2 Drivers of migration"])) == 2


async def test_xlsx_summary_counts(db: Database, pack: Pack, seeded: Seed) -> None:
    """The Summary sheet counts stakeholders, answers, pledges and each subregion."""
    summary = (await _workbook(db, pack))["Summary"]
    values = dict(
        row[:2] for row in summary.iter_rows(min_row=2, values_only=True) if row[0] is not None
    )
    assert (values["Stakeholders"], values["Answers"], values["Pledges"]) == (4, 16, 2)
    assert (values["the Caribbean"], values["South America"], values["Other countries"]) == (
        2,
        1,
        1,
    )
    assert values["Inclusion"] == 11


async def test_xlsx_never_names_without_attribution(db: Database, pack: Pack, seeded: Seed) -> None:
    """No sheet names an organization that withheld attribution or a non-consenting one."""
    workbook = await _workbook(db, pack)
    text = " ".join(
        str(value)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    )
    for name in NEVER_NAMED:
        assert name not in text
    assert "Red Migrante Caribe" in text


async def test_xlsx_session_filter_keeps_one_session_sheet(
    db: Database, pack: Pack, seeded: Seed
) -> None:
    """Filtering to a session leaves only its sheet and its answers."""
    filters = ExportFilters.of(sessions=["drivers"])
    workbook = await _workbook(db, pack, filters=filters)
    assert workbook.sheetnames == [
        "Answers",
        "Stakeholders",
        "Pledges",
        "2 Drivers of migration",
        "Summary",
    ]
    assert len(_records(workbook["Answers"])) == 2


def test_sheet_names_are_valid_and_unique() -> None:
    """Names lose the characters Excel refuses, stay within 31 characters and never repeat."""
    taken: set[str] = set()
    first = sheet_name("Data: evidence/policies [and] cooperation*", taken)
    second = sheet_name("Data: evidence/policies [and] cooperation*", taken)
    assert len(first) <= 31 and len(second) <= 31
    assert not set("[]:*?/\\") & set(first + second)
    assert first.lower() != second.lower()


def test_quotes_in_sheet_names_make_a_workbook_excel_and_openpyxl_read() -> None:
    """A session titled with quotes ("new" routes, l'inclusion) still gives a valid workbook,
    its autofilter range naming the sheet with the apostrophe doubled."""
    sink = io.BytesIO()
    workbook = Workbook(sink)
    taken: set[str] = set()
    names = [sheet_name('The "new" routes', taken), sheet_name("L'inclusion", taken)]
    for name in names:
        sheet = workbook.add_sheet(name, ["question", "answer"], [20.0, 40.0], True)
        sheet.append(["q", "a"])
    workbook.close()
    read = load_workbook(io.BytesIO(sink.getvalue()))
    assert read.sheetnames == ['The "new" routes', "L'inclusion"]
    assert read["L'inclusion"]["B2"].value == "a"
    assert sheet_name("'quoted'", set()) == "quoted"  # Excel refuses a leading or trailing '
