"""Make an export in any format, to a file (command line) or to bytes (the chat's /export)."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import BinaryIO

from bot.core.i18n import translator
from bot.core.messages import Document
from bot.export.filters import ExportFilters, check
from bot.export.labels import Labels
from bot.export.source import ExportSource, Progress
from bot.pack import Pack
from storage.db import Database

MIME_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "jsonl": "application/jsonl",
    "md": "text/markdown",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@dataclass(frozen=True)
class ExportRequest:
    """One export as asked: what, in which format and language, named or anonymous."""

    format: str
    filters: ExportFilters
    anonymize: bool = False
    language: str = "es"


async def _report(source: ExportSource, format: str, sink: BinaryIO) -> None:
    from bot.export.outline import outline
    from bot.export.report import collect

    blocks = outline(source, await collect(source))
    if format == "md":
        from bot.export.to_markdown import write_markdown

        write_markdown(blocks, sink)
    else:
        from bot.export.to_docx import write_docx

        write_docx(blocks, sink)


async def _tabular(source: ExportSource, format: str, sink: BinaryIO) -> None:
    if format == "csv":
        from bot.export.to_csv import write_csv

        await write_csv(source, sink)
    elif format == "jsonl":
        from bot.export.to_jsonl import write_jsonl

        await write_jsonl(source, sink)
    else:
        from bot.export.to_xlsx import write_xlsx

        await write_xlsx(source, sink)


def make_source(
    database: Database, pack: Pack, request: ExportRequest, progress: Progress | None = None
) -> ExportSource:
    """Check the request against the pack, then bind it to the database."""
    check(request.filters, pack, request.format, request.language)
    labels = Labels(pack, translator(request.language))
    return ExportSource(database, request.filters, labels, request.anonymize, progress)


async def write_export(source: ExportSource, format: str, sink: BinaryIO) -> None:
    """Stream raw formats straight into `sink`; reports are collected (bounded), then written."""
    if format in ("md", "docx"):
        await _report(source, format, sink)
    else:
        await _tabular(source, format, sink)


def export_filename(pack: Pack, format: str, anonymize: bool) -> str:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M")
    kind = "report" if format in ("md", "docx") else "answers"
    suffix = "-anonymized" if anonymize else ""
    return f"{pack.id}-{kind}{suffix}-{stamp}.{format}"


async def build_export(
    database: Database,
    pack: Pack,
    format: str,
    filters: ExportFilters,
    anonymize: bool,
    language: str,
) -> Document:
    """The export as an in-memory file for the chat; raises ExportError on a bad request."""
    request = ExportRequest(format, filters, anonymize, language)
    source = make_source(database, pack, request)
    buffer = io.BytesIO()
    await write_export(source, format, buffer)
    return Document(export_filename(pack, format, anonymize), buffer.getvalue(), MIME_TYPES[format])
