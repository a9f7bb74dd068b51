"""`consultbot export`: write an export to a file, with a progress bar on the terminal."""

from __future__ import annotations

import os
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from bot.core.settings import Settings
from bot.export.build import ExportRequest, make_source, write_export
from bot.export.filters import ExportError, ExportFilters
from bot.pack import Pack, PackError, load_pack
from storage.db import Database, migrated_database


def _progress_bar(console: Console) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
    )


async def _write(database: Database, pack: Pack, request: ExportRequest, out: Path) -> int:
    """Write beside `out`, then rename, so a failed export never leaves half a file."""
    progress = _progress_bar(Console(stderr=True))
    task = progress.add_task(f"{request.format} → {out.name}", total=None)
    source = make_source(database, pack, request, lambda n: progress.advance(task, n))
    with progress:
        total = await source.count_answers()
        progress.update(task, total=total)
        partial = out.with_name(out.name + ".part")
        try:
            with partial.open("wb") as sink:
                await write_export(source, request.format, sink)
            os.replace(partial, out)
        finally:
            partial.unlink(missing_ok=True)
        progress.update(task, completed=total)
    return total


async def export_command(
    settings: Settings,
    *,
    format: str,
    out: Path,
    filters: ExportFilters,
    anonymize: bool,
    report_language: str | None,
    lang: str | None = None,
) -> None:
    """Write the export the rapporteur asked for, or stop with one line saying why not.

    Messages follow `lang`; the report and the export's labels follow `report_language`, which
    defaults to the same language when the pack has it, else to the pack's default.
    """
    from bot.commands.common import fail, output_translator

    try:
        pack = load_pack(settings.consultation_pack)
    except PackError as error:
        fail(f"{error.source}: {'; '.join(error.problems[:3])}")
    t = output_translator(lang, pack)

    default = t.language if t.language in pack.languages else pack.default_language
    request = ExportRequest(format, filters, anonymize, report_language or default)
    try:
        async with migrated_database(settings.database_url) as database:
            total = await _write(database, pack, request, out)
    except ExportError as error:
        fail(error.translated(t))
    done = t.ngettext(
        "Wrote {count} answer to {path}", "Wrote {count} answers to {path}", total, path=str(out)
    )
    Console(stderr=True).print(done, markup=False, highlight=False)
