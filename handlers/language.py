"""/language: switch language at any moment, then ask the current question again in it."""

from __future__ import annotations

from handlers.base import Context
from handlers.fields import LANGUAGE, Outcome
from handlers.flow import Flow, Step

NAME = "language"


async def start(ctx: Context) -> None:
    """Remember where the stakeholder was, to take them back there after the switch."""
    position = ctx.position
    if position.flow != NAME:
        resume = {"flow": position.flow, "step": position.step, "draft": ctx.draft}
        ctx.goto(NAME, "choose", {"resume": resume})
    await LANGUAGE.prompt(ctx)


async def ask(ctx: Context) -> None:
    await LANGUAGE.prompt(ctx)


async def take(ctx: Context) -> None:
    if await LANGUAGE.accept(ctx) != Outcome.DONE:
        return
    ctx.say(ctx.t._("Language changed."), key="language.changed")
    resume = ctx.draft.get("resume") or {"flow": "idle", "step": "", "draft": {}}
    ctx.restore(resume["flow"], resume["step"], resume["draft"])
    await ctx.prompt_current()


FLOW = Flow(
    name=NAME,
    start=start,
    summary="choose a language, then back to where the stakeholder was",
    starts_at=("choose",),
    steps={"choose": Step(ask, take, LANGUAGE.accepts + "; then back where they were")},
)
