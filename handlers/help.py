"""/help, /cancel, /menu and the idle state between tasks."""

from __future__ import annotations

from bot.core.command_menu import listed_for
from bot.core.messages import InboundKind
from handlers.base import Context
from handlers.common import main_menu
from handlers.flow import Flow, Step, one_message


async def show_help(ctx: Context) -> None:
    t = ctx.t
    lines = [
        t._(
            "I collect your organization's views for {event}.",
            event=ctx.text(ctx.pack.event.short_name),
        )
    ]
    hidden = () if ctx.store.dashboard_enabled else ("dashboard",)
    lines += [f"/{c.name} — {t._(c.description)}" for c in listed_for(ctx.roles, hidden)]
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
