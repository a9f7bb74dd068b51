"""Replies several flows share: the main menu and the answers to input of the wrong kind."""

from __future__ import annotations

from bot.core.messages import InboundKind
from handlers.base import Context, command_choice


def main_menu(ctx: Context, text: str | None = None, key: str = "menu") -> None:
    """Where a stakeholder lands between tasks: the few things they can do, as buttons."""
    t = ctx.t
    ctx.goto("idle", "")
    choices = [
        command_choice(t._("Answer the consultation"), "consult"),
        command_choice(t._("My answers"), "answers"),
        command_choice(t._("Roadmap"), "roadmap"),
        command_choice(t._("My profile"), "profile"),
        command_choice(t._("Help"), "help"),
    ]
    ctx.say(text or t._("What would you like to do?"), choices, key=key, columns=2)


def expected(ctx: Context, what: str) -> None:
    """Say what this step expects, after an input of the wrong kind; state stays as it was."""
    t = ctx.t
    kind = ctx.inbound.kind
    if kind == InboundKind.UNSUPPORTED:
        prefix = t._("I can't use that kind of message here.")
    elif kind == InboundKind.ATTACHMENT:
        prefix = t._("I can't use a file here.")
    elif kind == InboundKind.CHOICE:
        prefix = t._("That button doesn't fit this question.")
    else:
        prefix = t._("I didn't understand that.")
    ctx.say(f"{prefix} {what}", key="error.expected")


def stale_button(ctx: Context) -> None:
    ctx.say(
        ctx.t._("That button is from an earlier message. Here is where we are:"), key="error.stale"
    )


def tap_a_button(ctx: Context) -> None:
    expected(ctx, ctx.t._("Please tap one of the buttons."))
