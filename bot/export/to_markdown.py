"""The draft summary report as Markdown, the chart inlined as a data URI so it stays one file."""

from __future__ import annotations

import base64
import re
from typing import BinaryIO

from bot.export.outline import Block, Heading, Paragraph, Table
from bot.export.report import Quote

_STRUCTURE = re.compile(r"^([-+*#>|]|\d+[.)])")


def _inline(text: str) -> str:
    return " ".join(text.split())


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", "").replace("\n", "<br>")


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
    lines = [f"> {_literal(line.strip())}".rstrip() for line in quote.text.strip().splitlines()]
    return "\n".join([*lines, ">", f"> — *{_inline(quote.source)}*"])


def _block(block: Block) -> str:
    if isinstance(block, Heading):
        return "#" * (block.level + 1) + " " + _inline(block.text)
    if isinstance(block, Paragraph):
        return block.text
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
