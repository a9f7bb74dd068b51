"""`consultbot stats`: participation and delivery figures as Rich tables."""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Console
from rich.table import Table

from bot.core.i18n import Translator
from bot.core.settings import Settings
from bot.pack import Pack
from storage.db import migrated_database
from storage.stats import Stats, collect


def _namer(t: Translator, pack: Pack | None, kind: str) -> Callable[[str], str]:
    """`key` → `Name (key)` from the pack in the reader's language, the key alone without one."""

    def name(key: str) -> str:
        if not key:
            return t._("(not given)")
        if pack is None:
            return key
        table = {
            "subregion": pack.subregions_by_key,
            "category": pack.categories_by_key,
            "session": pack.sessions_by_key,
        }.get(kind, {})
        item = table.get(key)
        localized = getattr(item, "name", None) or getattr(item, "title", None)
        return f"{pack.text(localized, t.language)} ({key})" if localized else key

    return name


def _counts_table(
    t: Translator, title: str, column: str, counts: dict[str, int], name: Callable[[str], str]
) -> Table:
    table = Table(title=title)
    table.add_column(column)
    table.add_column(t._("stakeholders"), justify="right")
    for key, number in counts.items():
        table.add_row(name(key), str(number))
    return table


def stats_tables(stats: Stats, pack: Pack | None, t: Translator) -> list[Table]:
    """The tables `consultbot stats` prints, in reading order."""
    summary = Table(title=t._("Stakeholders"))
    summary.add_column(t._("registered"), justify="right")
    summary.add_column(t._("reminders on"), justify="right")
    summary.add_column(t._("unreachable"), justify="right")
    summary.add_row(str(stats.registered), str(stats.reminders_opt_in), str(stats.unreachable))
    sessions = Table(title=t._("Answers by session"))
    sessions.add_column(t._("session"))
    sessions.add_column(t._("stakeholders"), justify="right")
    sessions.add_column(t._("answers"), justify="right")
    session_name = _namer(t, pack, "session")
    for key, figures in sorted(stats.by_session.items()):
        sessions.add_row(session_name(key), str(figures.stakeholders), str(figures.answers))
    return [
        summary,
        _counts_table(
            t,
            t._("Registered by subregion"),
            t._("subregion"),
            stats.by_subregion,
            _namer(t, pack, "subregion"),
        ),
        _counts_table(
            t,
            t._("Registered by category"),
            t._("category"),
            stats.by_category,
            _namer(t, pack, "category"),
        ),
        _counts_table(
            t,
            t._("Registered by language"),
            t._("language"),
            stats.by_language,
            _namer(t, None, "language"),
        ),
        sessions,
        broadcasts_table(stats, t),
    ]


def broadcasts_table(stats: Stats, t: Translator) -> Table:
    table = Table(title=t._("Broadcasts"))
    table.add_column("#", justify="right")
    table.add_column(t._("sent by"))
    outcomes = {
        "queued": t._("queued"),
        "sent": t._("sent"),
        "failed": t._("failed"),
        "unreachable": t._("unreachable"),
    }
    if any(item.counts.get("no_template") for item in stats.broadcasts):
        outcomes["no_template"] = t._("no template")  # WhatsApp: outside 24 hours, no template
    for column in (t._("created"), *outcomes.values()):
        table.add_column(column, justify="right")
    for item in stats.broadcasts:
        counts = item.counts
        table.add_row(
            str(item.id),
            item.created_by,
            t.datetime(item.created_at, "UTC", "short") + " UTC",
            *(str(counts.get(name, 0)) for name in outcomes),
        )
    return table


async def stats_command(settings: Settings, lang: str | None = None) -> None:
    """Print the figures; pack names are used when the pack loads, keys otherwise."""
    from bot.commands.common import output_translator, pack_or_none

    pack = pack_or_none(settings)
    t = output_translator(lang, pack)
    async with (
        migrated_database(settings.database_url) as database,
        database.transaction() as session,
    ):
        stats = await collect(session)
    console = Console()
    for table in stats_tables(stats, pack, t):
        console.print(table)
