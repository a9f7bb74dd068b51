"""`consultbot broadcast`: queue a message for an audience after showing who gets what."""

from __future__ import annotations

import datetime as dt

import typer
from rich.console import Console
from rich.table import Table

from bot.core.settings import Settings
from bot.domain.audience import BroadcastInputError, describe, parse_audience, parse_texts
from bot.pack import Pack, PackError, load_pack
from storage.broadcasts import Audience, count_by_language, create_broadcast, text_for
from storage.db import Database, migrated_database


def preview_table(
    pack: Pack, texts: dict[str, str], counts: dict[str, int], audience: Audience
) -> Table:
    """Recipients per language and the text each of them will read."""
    table = Table(title=f"Audience: {describe(audience)}", show_lines=True)
    table.add_column("language")
    table.add_column("recipients", justify="right")
    table.add_column("text they get")
    for language in pack.languages:
        text = text_for(texts, language, pack.default_language)
        table.add_row(language, str(counts.get(language, 0)), text)
    table.add_row("total", str(sum(counts.values())), "")
    return table


async def broadcast_command(
    settings: Settings, *, texts: list[str], audience: list[str], yes: bool, by: str
) -> None:
    """Parse, preview, confirm, then queue; the running sender delivers."""
    from bot.commands.common import fail

    console = Console()
    try:
        pack = load_pack(settings.consultation_pack)
        parsed_texts = parse_texts(texts, pack)
        parsed_audience = parse_audience(audience, pack)
    except PackError as error:
        fail(f"{error.source}: {'; '.join(error.problems[:3])}")
        return
    except BroadcastInputError as error:
        fail(str(error))
        return
    async with migrated_database(settings.database_url) as database:
        await _preview_and_queue(database, pack, parsed_texts, parsed_audience, yes, by, console)


async def _preview_and_queue(
    database: Database,
    pack: Pack,
    texts: dict[str, str],
    audience: Audience,
    yes: bool,
    by: str,
    console: Console,
) -> None:
    async with database.transaction() as session:
        counts = await count_by_language(session, audience, pack.languages, pack.default_language)
    console.print(preview_table(pack, texts, counts, audience))
    if not sum(counts.values()):
        console.print(
            "No registered stakeholder matches this audience; nothing was queued.", soft_wrap=True
        )
        raise typer.Exit(code=1)
    if not yes and not typer.confirm(f"Send to {sum(counts.values())} stakeholders?"):
        console.print("Cancelled; nothing was queued.")
        raise typer.Exit(code=1)
    async with database.transaction() as session:
        queued = await create_broadcast(
            session,
            texts=texts,
            audience=audience,
            languages=pack.languages,
            default_language=pack.default_language,
            created_by=by,
            now=dt.datetime.now(dt.UTC),
        )
    console.print(
        f"Broadcast #{queued.broadcast_id} queued for {queued.recipients} stakeholders; "
        "`consultbot run` delivers it.",
        soft_wrap=True,
    )
