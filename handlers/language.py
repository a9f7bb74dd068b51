"""/language: switch language at any moment, then ask the current question again in it."""

from __future__ import annotations

from handlers.base import Context, Flow
from handlers.fields import LANGUAGE, Outcome


class LanguageFlow(Flow):
    """Remembers where the stakeholder was and takes them back there after the switch."""

    name = "language"

    def __init__(self, flows: dict[str, Flow]) -> None:
        self.flows = flows

    async def start(self, ctx: Context) -> None:
        conversation = ctx.conversation
        if conversation.flow != self.name:
            resume = {"flow": conversation.flow, "step": conversation.step, "draft": ctx.draft}
            ctx.goto(self.name, "choose", {"resume": resume})
        await self.prompt(ctx)

    async def prompt(self, ctx: Context) -> None:
        await LANGUAGE.prompt(ctx)

    async def handle(self, ctx: Context) -> None:
        if await LANGUAGE.accept(ctx) != Outcome.DONE:
            return
        ctx.say(ctx.t._("Language changed."), key="language.changed")
        resume = ctx.draft.get("resume") or {"flow": "idle", "step": "", "draft": {}}
        ctx.conversation.flow = resume["flow"]
        ctx.conversation.step = resume["step"]
        ctx.conversation.draft = dict(resume["draft"])
        await self.flows[resume["flow"]].prompt(ctx)
