"""`consultbot stats`: participation and delivery figures as Rich tables."""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Console
from rich.table import Table

from bot.core.settings import Settings
from bot.pack import Pack, PackError, load_pack
from storage.db import migrated_database
from storage.stats import Stats, collect

NONE = "(not given)"


def _namer(pack: Pack | None, kind: str) -> Callable[[str], str]:
    """`key` → `Name (key)` from the pack in its default language, the key alone without one."""

    def name(key: str) -> str:
        if not key:
            return NONE
        if pack is None:
            return key
        table = {
            "subregion": pack.subregions_by_key,
            "category": pack.categories_by_key,
            "session": pack.sessions_by_key,
        }.get(kind, {})
        item = table.get(key)
        localized = getattr(item, "name", None) or getattr(item, "title", None)
        return f"{pack.text(localized, None)} ({key})" if localized else key

    return name


def _counts_table(title: str, counts: dict[str, int], name: Callable[[str], str]) -> Table:
    table = Table(title=title)
    table.add_column(title.split()[-1])
    table.add_column("stakeholders", justify="right")
    for key, number in counts.items():
        table.add_row(name(key), str(number))
    return table


def stats_tables(stats: Stats, pack: Pack | None) -> list[Table]:
    """The tables `consultbot stats` prints, in reading order."""
    summary = Table(title="Stakeholders")
    summary.add_column("registered", justify="right")
    summary.add_column("reminders on", justify="right")
    summary.add_column("unreachable", justify="right")
    summary.add_row(str(stats.registered), str(stats.reminders_opt_in), str(stats.unreachable))
    sessions = Table(title="Answers by session")
    for column in ("session", "stakeholders", "answers"):
        sessions.add_column(column, justify="left" if column == "session" else "right")
    session_name = _namer(pack, "session")
    for key, figures in sorted(stats.by_session.items()):
        sessions.add_row(session_name(key), str(figures.stakeholders), str(figures.answers))
    return [
        summary,
        _counts_table("Registered by subregion", stats.by_subregion, _namer(pack, "subregion")),
        _counts_table("Registered by category", stats.by_category, _namer(pack, "category")),
        _counts_table("Registered by language", stats.by_language, _namer(None, "language")),
        sessions,
        broadcasts_table(stats),
    ]


def broadcasts_table(stats: Stats) -> Table:
    table = Table(title="Broadcasts")
    outcomes = ["queued", "sent", "failed", "unreachable"]
    if any(item.counts.get("no_template") for item in stats.broadcasts):
        outcomes.append("no_template")  # WhatsApp only: outside 24 hours, no template
    for column in ("#", "sent by", "created", *(name.replace("_", " ") for name in outcomes)):
        table.add_column(column, justify="right" if column not in ("sent by",) else "left")
    for item in stats.broadcasts:
        counts = item.counts
        table.add_row(
            str(item.id),
            item.created_by,
            item.created_at.strftime("%Y-%m-%d %H:%M UTC"),
            *(str(counts.get(name, 0)) for name in outcomes),
        )
    return table


async def stats_command(settings: Settings) -> None:
    """Print the figures; pack names are used when the pack loads, keys otherwise."""
    try:
        pack: Pack | None = load_pack(settings.consultation_pack)
    except PackError:
        pack = None
    async with (
        migrated_database(settings.database_url) as database,
        database.transaction() as session,
    ):
        stats = await collect(session)
    console = Console()
    for table in stats_tables(stats, pack):
        console.print(table)
