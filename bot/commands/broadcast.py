"""`consultbot broadcast`: queue a message for an audience after showing who gets what."""

from __future__ import annotations

import datetime as dt

import typer
from rich.console import Console
from rich.table import Table

from bot.core.i18n import Translator
from bot.core.settings import Settings
from bot.core.text import normalise
from bot.domain.audience import BroadcastInputError, describe, parse_audience, parse_texts
from bot.pack import Pack, PackError, load_pack
from storage.broadcasts import Audience, count_by_language, create_broadcast, text_for
from storage.db import Database, migrated_database


def audience_text(t: Translator, audience: Audience) -> str:
    """`everyone` in the reader's language, else the filters as typed (`country=MX; …`)."""
    return t._("everyone") if audience.everyone else describe(audience)


def preview_table(
    t: Translator, pack: Pack, texts: dict[str, str], counts: dict[str, int], audience: Audience
) -> Table:
    """Recipients per language and the text each of them will read."""
    title = t._("Audience: {audience}", audience=audience_text(t, audience))
    table = Table(title=title, show_lines=True)
    table.add_column(t._("language"))
    table.add_column(t._("recipients"), justify="right")
    table.add_column(t._("text they get"))
    for language in pack.languages:
        text = text_for(texts, language, pack.default_language)
        table.add_row(language, str(counts.get(language, 0)), text)
    table.add_row(t._("total"), str(sum(counts.values())), "")
    return table


def confirmed(t: Translator, question: str) -> bool:
    """Ask yes or no in the reader's language; `y` and `yes` work in every language."""
    yes, no = t._("yes"), t._("no")
    words = {"y", "yes", normalise(yes)}
    words |= {word[0] for word in words}
    try:
        answer = typer.prompt(f"{question} [{yes}/{no}]", default="", show_default=False)
    except typer.Abort:
        return False
    return normalise(answer) in words


async def broadcast_command(
    settings: Settings,
    *,
    texts: list[str],
    audience: list[str],
    yes: bool,
    by: str,
    lang: str | None = None,
) -> None:
    """Parse, preview, confirm, then queue; the running sender delivers."""
    from bot.commands.common import fail, output_translator

    console = Console()
    try:
        pack = load_pack(settings.consultation_pack)
    except PackError as error:
        fail(f"{error.source}: {'; '.join(error.problems[:3])}")
    t = output_translator(lang, pack)
    try:
        parsed_texts = parse_texts(texts, pack)
        parsed_audience = parse_audience(audience, pack)
    except BroadcastInputError as error:
        fail(error.translated(t))
    async with migrated_database(settings.database_url) as database:
        await _preview_and_queue(database, pack, parsed_texts, parsed_audience, yes, by, console, t)


async def _preview_and_queue(
    database: Database,
    pack: Pack,
    texts: dict[str, str],
    audience: Audience,
    yes: bool,
    by: str,
    console: Console,
    t: Translator,
) -> None:
    async with database.transaction() as session:
        counts = await count_by_language(session, audience, pack.languages, pack.default_language)
    console.print(preview_table(t, pack, texts, counts, audience))
    total = sum(counts.values())
    if not total:
        console.print(
            t._("No registered stakeholder matches this audience; nothing was queued."),
            soft_wrap=True,
        )
        raise typer.Exit(code=1)
    question = t.ngettext("Send to {count} stakeholder?", "Send to {count} stakeholders?", total)
    if not yes and not confirmed(t, question):
        console.print(t._("Cancelled; nothing was queued."))
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
    done = t.ngettext(
        "Broadcast #{number} queued for {count} stakeholder; `consultbot run` delivers it.",
        "Broadcast #{number} queued for {count} stakeholders; `consultbot run` delivers it.",
        queued.recipients,
        number=queued.broadcast_id,
    )
    console.print(done, soft_wrap=True, markup=False)
