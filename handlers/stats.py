"""/stats for organizers and rapporteurs: participation figures, counts only."""

from __future__ import annotations

from bot.core.i18n import language_name
from handlers.base import Context
from handlers.flow import one_message
from storage.roles import ORGANIZER, RAPPORTEUR
from storage.stats import Stats


def _named(ctx: Context, counts: dict[str, int], names: dict[str, str]) -> list[str]:
    """`• name: count` lines; a missing value is shown as "not given"."""
    not_given = ctx.t._("not given")
    return [
        f"• {names.get(key, key) if key else not_given}: {count}" for key, count in counts.items()
    ]


def stats_text(ctx: Context, stats: Stats) -> str:
    """The figures in the reader's language, names from the pack."""
    t, pack = ctx.t, ctx.pack
    lines = [
        t._(
            "Registered stakeholders: {count} (reminders on: {reminders}, unreachable: "
            "{unreachable})",
            count=stats.registered,
            reminders=stats.reminders_opt_in,
            unreachable=stats.unreachable,
        ),
        t._("By subregion:"),
        *_named(ctx, stats.by_subregion, {s.key: ctx.text(s.name) for s in pack.subregions}),
        t._("By category:"),
        *_named(ctx, stats.by_category, {c.key: ctx.text(c.name) for c in pack.categories}),
        t._("By language:"),
        *_named(ctx, stats.by_language, {lang: language_name(lang) for lang in pack.languages}),
        t._("Answers by session:"),
    ]
    for session in pack.sessions:
        figures = stats.by_session.get(session.key)
        people, answers = (figures.stakeholders, figures.answers) if figures else (0, 0)
        lines.append(
            "• "
            + t._(
                "{session}: stakeholders {people}, answers {answers}",
                session=ctx.text(session.short_title or session.title),
                people=people,
                answers=answers,
            )
        )
    return "\n".join(lines)


async def show_stats(ctx: Context) -> None:
    ctx.say(stats_text(ctx, await ctx.store.stats()), key="stats")


FLOW = one_message(
    "stats", show_stats, "participation figures", roles=frozenset({ORGANIZER, RAPPORTEUR})
)
