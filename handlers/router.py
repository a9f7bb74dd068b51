"""Which flow an update goes to: commands, roles, the registration gate and stale buttons."""

from __future__ import annotations

from dataclasses import replace

from bot.core.messages import InboundKind
from handlers.base import Context
from handlers.common import stale_button
from handlers.flow import Flow
from handlers.registry import COMMANDS, FLOWS, OPEN_FLOWS
from storage.roles import ORGANIZER, RAPPORTEUR

# One message's characters at most: Slack's own limit (2026-12; Telegram and WhatsApp stop at
# 4,096). Longer input can only be forged or a runaway paste, and is refused before any flow.
MAX_MESSAGE = 40_000


async def route(ctx: Context) -> None:
    """Hand the update to the flow it belongs to; every refusal is said, nothing is dropped."""
    inbound = ctx.inbound
    if max(len(inbound.text), len(inbound.args), len(inbound.choice or "")) > MAX_MESSAGE:
        _too_long(ctx)
        return
    if inbound.kind == InboundKind.CHOICE and (inbound.choice or "").startswith("/"):
        command, _, args = (inbound.choice or "")[1:].partition(" ")
        ctx.inbound = replace(inbound, kind=InboundKind.COMMAND, command=command.lower(), args=args)
    if ctx.inbound.kind == InboundKind.COMMAND:
        await _command(ctx)
        return
    flow = FLOWS.get(ctx.position.flow, FLOWS["idle"])
    if not _allowed(ctx, flow):  # a role revoked while the flow was under way
        ctx.goto("idle", "", {})
        ctx.say(_refusal(ctx, flow.name, flow.roles), key="error.forbidden")
        return
    if not ctx.registered and flow.name not in OPEN_FLOWS:
        await _start(ctx, FLOWS["registration"])
        return
    ctx.table, ctx.at = flow.name, ctx.position.step
    if ctx.inbound.kind == InboundKind.CHOICE and ctx.chosen() is None and flow.name != "idle":
        stale_button(ctx)
        await flow.prompt(ctx)
        return
    await flow.handle(ctx)


async def _command(ctx: Context) -> None:
    t = ctx.t
    name = ctx.inbound.command or ""
    command = COMMANDS.get(name)
    if command is None:
        ctx.say(
            t._(
                "I don't know the command /{command}. Send /help to see what I can do.",
                command=name[:32],
            ),
            key="error.unknown_command",
        )
        return
    flow = FLOWS[command.flow]
    if not _allowed(ctx, flow):
        ctx.say(_refusal(ctx, name, flow.roles), key="error.forbidden")
        return
    if command.registered and not ctx.registered:
        ctx.say(t._("First, a short registration."), key="register.first")
        await _start(ctx, FLOWS["registration"])
        return
    await _start(ctx, flow)


async def _start(ctx: Context, flow: Flow) -> None:
    ctx.enter(flow.name)
    await flow.start(ctx)


def _too_long(ctx: Context) -> None:
    size = max(len(ctx.inbound.text), len(ctx.inbound.args), len(ctx.inbound.choice or ""))
    ctx.say(
        ctx.t._(
            "That message is too long for me ({count} characters; at most {limit} in one "
            "message). Please send it in shorter parts.",
            count=size,
            limit=MAX_MESSAGE,
        ),
        key="error.message_too_long",
    )


def _allowed(ctx: Context, flow: Flow) -> bool:
    return not flow.roles or bool(flow.roles & ctx.roles)


def _refusal(ctx: Context, command: str, roles: frozenset[str]) -> str:
    t = ctx.t
    if roles == {RAPPORTEUR}:
        return t._("Sorry, /{command} is only for the consultation's rapporteur.", command=command)
    if roles == {ORGANIZER}:
        return t._("Sorry, /{command} is only for the consultation's organizers.", command=command)
    return t._(
        "Sorry, /{command} is only for the consultation's organizers and rapporteur.",
        command=command,
    )
