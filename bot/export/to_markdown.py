"""The draft summary report as Markdown, the chart inlined as a data URI so it stays one file."""

from __future__ import annotations

import base64
import re
from typing import BinaryIO

from bot.core.text import clean_text
from bot.export.outline import Block, Heading, Paragraph, Table
from bot.export.report import Quote

_STRUCTURE = re.compile(r"^([-+*#>|]|\d+[.)])")


def _safe(text: str) -> str:
    """Stored text as Markdown shows it: no control characters, no HTML a viewer would run.

    A backslash before `<` makes CommonMark print the tag as text (and so an autolink too).
    """
    return clean_text(text).replace("<", "\\<")


def _inline(text: str) -> str:
    return " ".join(_safe(text).split())


def _cell(text: str) -> str:
    text = _safe(text.replace("\\", "\\\\"))
    return text.replace("|", "\\|").replace("\n", "<br>")


def _table(table: Table) -> str:
    lines = [
        "| " + " | ".join(_cell(header) for header in table.headers) + " |",
        "|" + "|".join("---" for _ in table.headers) + "|",
    ]
    lines += ["| " + " | ".join(_cell(cell) for cell in row) + " |" for row in table.rows]
    return "\n".join(lines)


def _literal(line: str) -> str:
    """Keep a stakeholder's leading -, +, #, > or 1. from turning into Markdown structure."""
    return "\\" + line if _STRUCTURE.match(line) else line


def _quote(quote: Quote) -> str:
    text = _safe(quote.text).strip()
    lines = [f"> {_literal(line.strip())}".rstrip() for line in text.splitlines()]
    return "\n".join([*lines, ">", f"> — *{_inline(quote.source)}*"])


def _block(block: Block) -> str:
    if isinstance(block, Heading):
        return "#" * (block.level + 1) + " " + _inline(block.text)
    if isinstance(block, Paragraph):
        return _safe(block.text)
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, Quote):
        return _quote(block)
    data = base64.b64encode(block.png).decode("ascii")
    return f"![{_inline(block.caption)}](data:image/png;base64,{data})"


def write_markdown(blocks: list[Block], sink: BinaryIO) -> None:
    """UTF-8 Markdown, blocks separated by a blank line, each written as it is rendered."""
    for number, block in enumerate(blocks):
        sink.write((("\n\n" if number else "") + _block(block)).encode("utf-8"))
    sink.write(b"\n")
