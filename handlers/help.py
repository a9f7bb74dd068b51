"""/help, /cancel, /menu and the idle state between tasks."""

from __future__ import annotations

from bot.core.i18n import N_
from bot.core.messages import InboundKind
from handlers.base import Context
from handlers.common import main_menu
from handlers.flow import Flow, Step, one_message

EVERYONE = (
    ("start", N_("register, or come back")),
    ("consult", N_("answer the consultation's questions")),
    ("answers", N_("see and edit your answers")),
    ("roadmap", N_("the roadmap's events and a calendar file")),
    ("language", N_("change language")),
    ("profile", N_("see and edit your organization's details")),
    ("reminders", N_("turn reminders on or off")),
    ("mydata", N_("everything stored about you")),
    ("forget", N_("erase your data")),
    ("cancel", N_("stop what you are doing")),
)
ORGANIZER = (
    ("broadcast", N_("send a roadmap update to stakeholders")),
    ("broadcasts", N_("delivery of earlier broadcasts")),
    ("stats", N_("participation figures")),
    ("dashboard", N_("a link to the web dashboard")),
)
RAPPORTEUR = (
    ("export", N_("export the answers or the draft report")),
    ("stats", N_("participation figures")),
    ("dashboard", N_("a link to the web dashboard")),
)


def commands_for(roles: frozenset[str]) -> list[tuple[str, str]]:
    """The commands a person may use, in menu order, without repeats."""
    listed = list(EVERYONE)
    if "organizer" in roles:
        listed += ORGANIZER
    if "rapporteur" in roles:
        listed += RAPPORTEUR
    return list(dict(listed).items())


async def show_help(ctx: Context) -> None:
    t = ctx.t
    lines = [
        t._(
            "I collect your organization's views for {event}.",
            event=ctx.text(ctx.pack.event.short_name),
        )
    ]
    lines += [
        f"/{command} — {t._(description)}" for command, description in commands_for(ctx.roles)
    ]
    lines.append(t._("Your answers are saved as you go: you can stop and come back any time."))
    ctx.say("\n".join(lines), key="help")


async def cancel(ctx: Context) -> None:
    t = ctx.t
    if ctx.position.flow == "registration" and not ctx.stakeholder.consented_at:
        ctx.goto("idle", "", {})
        ctx.say(t._("Stopped. Send /start when you want to register."), key="cancelled")
        return
    main_menu(ctx, t._("Stopped. Everything you saved is kept."), key="cancelled")


async def menu(ctx: Context) -> None:
    main_menu(ctx)


async def idle_input(ctx: Context) -> None:
    """Between tasks: text gets the menu, so nobody is left without a way forward."""
    t = ctx.t
    if ctx.inbound.kind == InboundKind.CHOICE:
        main_menu(
            ctx,
            t._("That button is from an earlier message. What would you like to do?"),
            key="error.stale",
        )
    else:
        main_menu(ctx, t._("Choose what you would like to do, or send /help."), key="menu.hint")


HELP = one_message("help", show_help, "the commands this person may use")
CANCEL = one_message("cancel", cancel, "stop, keep what was saved, back to the menu")
MENU = one_message("menu", menu, "the main menu")
IDLE = Flow(
    name="idle",
    start=menu,
    summary="between tasks: the main menu",
    steps={"": Step(menu, idle_input, "anything: the menu again")},
)
FLOWS = (HELP, CANCEL, MENU, IDLE)
