"""/roadmap and /reminders: the coming events in the stakeholder's language and time zone."""

from __future__ import annotations

from bot.core.messages import Choice, Document
from bot.domain.roadmap import calendar_file, past, place_text, upcoming, when_text
from bot.domain.timezones import country_zone
from bot.pack import RoadmapEvent
from handlers.base import Context, command_choice
from handlers.flow import one_message

PAST_SHOWN = 3


def viewer_zone(ctx: Context) -> str:
    return country_zone(ctx.stakeholder.country, ctx.pack.event.timezone)


def _line(ctx: Context, event: RoadmapEvent) -> str:
    when = when_text(ctx.pack, event, ctx.t, viewer_zone(ctx))
    where = place_text(ctx.pack, event, ctx.t, ctx.language)
    return f"• {ctx.text(event.title)}\n  {when} · {where}"


async def show_roadmap(ctx: Context) -> None:
    """A list and a calendar file, wherever the stakeholder is; nothing moves."""
    t = ctx.t
    if ctx.inbound.args.strip() == "ics":
        ctx.say(
            t._("Here is the roadmap as a calendar file. Open it to add the events."),
            document=Document(
                f"{ctx.pack.id}-roadmap.ics", calendar_file(ctx.pack, ctx.language), "text/calendar"
            ),
            key="roadmap.ics",
        )
        return
    coming = upcoming(ctx.pack, ctx.now)
    lines = [ctx.text(ctx.pack.event.name)]
    if coming:
        lines.append(t._("Coming events:"))
        lines += [_line(ctx, event) for event in coming]
    else:
        lines.append(t._("There are no coming events in the roadmap."))
        done = past(ctx.pack, ctx.now)[-PAST_SHOWN:]
        if done:
            lines.append(t._("Most recent events:"))
            lines += [_line(ctx, event) for event in done]
    choices = [command_choice(t._("Add to my calendar (.ics)"), "roadmap ics")]
    if ctx.registered:
        choices.append(_reminders_switch(ctx))
    ctx.say("\n".join(lines), choices, key="roadmap")


def _reminders_switch(ctx: Context) -> Choice:
    """The button that turns reminders the other way."""
    if ctx.stakeholder.reminders_opt_in:
        return command_choice(ctx.t._("Turn reminders off"), "reminders off")
    return command_choice(ctx.t._("Turn reminders on"), "reminders on")


async def switch_reminders(ctx: Context) -> None:
    """`/reminders on`, `/reminders off`, or the current setting with a button to change it."""
    t = ctx.t
    wanted = ctx.inbound.args.strip().lower()
    if wanted in ("on", "off"):
        ctx.stakeholder.reminders_opt_in = wanted == "on"
    if ctx.stakeholder.reminders_opt_in:
        text, key = t._("Reminders are on."), "reminders.on"
    else:
        text, key = t._("Reminders are off."), "reminders.off"
    ctx.say(text, [_reminders_switch(ctx), command_choice(t._("Menu"), "menu")], key=key)


ROADMAP = one_message("roadmap", show_roadmap, "the coming events, or a calendar file")
REMINDERS = one_message("reminders", switch_reminders, "turn reminders on or off")
FLOWS = (ROADMAP, REMINDERS)
