"""A streaming XLSX writer: each sheet's rows become XML as they come, then one zip.

XlsxWriter spends most of an export's time in its per-cell path (a call, a format lookup and
three regular expressions per cell: 75 % of a 20,000-answer export, see docs/benchmarks.md), so
the large sheets are written here instead, one f-string per cell. It supports what the export
uses and nothing more: inline strings, numbers and booleans, four cell styles, column widths, a
frozen header row and an autofilter. Sheets fill in any interleaving (each spools to a temporary
file), so one pass over the answers fills several sheets at once.
"""

from __future__ import annotations

import re
import tempfile
import zipfile
from typing import IO, BinaryIO

from xlsxwriter.utility import xl_col_to_name

from bot.questions.base import Cell

STYLES = {"cell": 1, "header": 2, "title": 3, "section": 4}
MAX_STRING = 32_767  # Excel's limit on the characters of one cell
COMPRESSION = 4  # zlib level: most of level 6's size at about twice its speed
_ESCAPE = re.compile(r"[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_T = '<t xml:space="preserve">'


def _escape_char(match: re.Match[str]) -> str:
    char = match.group()
    return _ENTITIES.get(char) or f"_x{ord(char):04X}_"  # Excel's escape of a control char


def escape(text: str) -> str:
    """XML text Excel accepts: entities, and control characters as _xHHHH_."""
    if len(text) > MAX_STRING:
        text = text[:MAX_STRING]
    return _ESCAPE.sub(_escape_char, text) if _ESCAPE.search(text) else text


def cell_xml(reference: str, value: Cell, style: int) -> str:
    if value is None:
        return ""
    if value is True or value is False:
        return f'<c r="{reference}" s="{style}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{reference}" s="{style}"><v>{value!r}</v></c>'
    text = escape(value)
    return f'<c r="{reference}" s="{style}" t="inlineStr"><is>{_T}{text}</t></is></c>'


class Sheet:
    """One worksheet, written top to bottom; the first row is a frozen, filterable header."""

    def __init__(
        self, name: str, headers: list[str], widths: list[float], filter: bool = True
    ) -> None:
        self.name = name
        self.width = len(headers)
        self.widths = widths
        self.filter = filter
        self.rows = 0
        self._letters = [xl_col_to_name(n) for n in range(max(self.width, 2))]
        self._body: IO[str] = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115
        self.append(headers, "header")

    def append(self, cells: list[Cell] | tuple[Cell, ...], style: str = "cell") -> None:
        """Add one row; its cells take `style`."""
        self.rows += 1
        row, index, letters = self.rows, STYLES[style], self._letters
        if len(cells) > len(letters):
            letters += [xl_col_to_name(n) for n in range(len(letters), len(cells))]
        parts = [f'<row r="{row}">']
        for column, value in enumerate(cells):
            if value is not None:
                parts.append(cell_xml(f"{letters[column]}{row}", value, index))
        parts.append("</row>")
        self._body.write("".join(parts))

    def _head(self) -> str:
        last = self._letters[max(self.width - 1, 0)]
        columns = "".join(
            f'<col min="{n}" max="{n}" width="{width}" style="1" customWidth="1"/>'
            for n, width in enumerate(self.widths, start=1)
        )
        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'<dimension ref="A1:{last}{self.rows}"/>'
            '<sheetViews><sheetView workbookViewId="0">'
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
            f'<sheetFormatPr defaultRowHeight="15"/><cols>{columns}</cols><sheetData>'
        )

    @property
    def filter_range(self) -> str:
        return f"$A$1:${self._letters[max(self.width - 1, 0)]}${self.rows}"

    def _tail(self) -> str:
        tail = "</sheetData>"
        if self.filter:
            last = self._letters[max(self.width - 1, 0)]
            tail += f'<autoFilter ref="A1:{last}{self.rows}"/>'
        margins = 'left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"'
        return tail + f"<pageMargins {margins}/></worksheet>"

    def copy_into(self, out: IO[bytes]) -> None:
        out.write(self._head().encode())
        self._body.seek(0)
        while chunk := self._body.read(1 << 20):
            out.write(chunk.encode())
        out.write(self._tail().encode())
        self._body.close()


class Workbook:
    """Sheets in the order they were added, zipped into `sink` on `close`."""

    def __init__(self, sink: BinaryIO) -> None:
        self.sink = sink
        self.sheets: list[Sheet] = []

    def add_sheet(
        self, name: str, headers: list[str], widths: list[float], filter: bool = True
    ) -> Sheet:
        sheet = Sheet(name, headers, widths, filter)
        self.sheets.append(sheet)
        return sheet

    def close(self) -> None:
        with zipfile.ZipFile(
            self.sink, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESSION
        ) as package:
            package.writestr("[Content_Types].xml", self._content_types())
            package.writestr("_rels/.rels", _ROOT_RELS)
            package.writestr("xl/workbook.xml", self._workbook())
            package.writestr("xl/_rels/workbook.xml.rels", self._workbook_rels())
            package.writestr("xl/styles.xml", _STYLES_XML)
            for number, sheet in enumerate(self.sheets, start=1):
                with package.open(f"xl/worksheets/sheet{number}.xml", "w") as out:
                    sheet.copy_into(out)

    def _content_types(self) -> str:
        sheets = "".join(
            f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for n in range(1, len(self.sheets) + 1)
        )
        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            f"{sheets}</Types>"
        )

    def _workbook(self) -> str:
        sheets = "".join(
            f'<sheet name="{_attribute(sheet.name)}" sheetId="{n}" r:id="rId{n}"/>'
            for n, sheet in enumerate(self.sheets, start=1)
        )
        names = "".join(
            f'<definedName name="_xlnm._FilterDatabase" localSheetId="{n}" hidden="1">'
            f"{escape(_quoted_sheet(sheet.name))}!{sheet.filter_range}</definedName>"
            for n, sheet in enumerate(self.sheets)
            if sheet.filter
        )
        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f"<bookViews><workbookView/></bookViews><sheets>{sheets}</sheets>"
            f"{f'<definedNames>{names}</definedNames>' if names else ''}</workbook>"
        )

    def _workbook_rels(self) -> str:
        sheets = "".join(
            f'<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/'
            f'2006/relationships/worksheet" Target="worksheets/sheet{n}.xml"/>'
            for n in range(1, len(self.sheets) + 1)
        )
        styles = len(self.sheets) + 1
        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'{sheets}<Relationship Id="rId{styles}" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>'
        )


_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
# Fonts: regular, bold, bold 14. Fills: none, gray125 (both required), the header's blue.
# Cell styles (STYLES): 0 default, 1 wrapped and top-aligned, 2 header, 3 title, 4 section.
_STYLES_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="3"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="14"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFDDEBF7"/><bgColor indexed="64"/>'
    "</patternFill></fill></fills>"
    '<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
    '<border><left style="thin"><color auto="1"/></left><right style="thin"><color auto="1"/>'
    '</right><top style="thin"><color auto="1"/></top><bottom style="thin"><color auto="1"/>'
    "</bottom><diagonal/></border></borders>"
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1">'
    '<alignment vertical="top" wrapText="1"/></xf>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="1" xfId="0" applyFont="1" applyFill="1" '
    'applyBorder="1"/>'
    '<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def _attribute(text: str) -> str:
    """Text inside a double-quoted XML attribute (a session title may hold a quote)."""
    return escape(text).replace('"', "&quot;")


def _quoted_sheet(name: str) -> str:
    """A sheet name as a formula writes it: in quotes, a quote inside it doubled."""
    return "'" + name.replace("'", "''") + "'"
