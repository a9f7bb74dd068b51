"""/profile: what we hold about the organization; each field edits through its registration step."""

from __future__ import annotations

from handlers.base import Context, Flow
from handlers.common import main_menu
from handlers.fields import FIELDS_BY_NAME, PROFILE_FIELDS, Outcome

DONE = "done"


class ProfileFlow(Flow):
    name = "profile"

    async def start(self, ctx: Context) -> None:
        ctx.goto(self.name, "view", {})
        await self.prompt(ctx)

    async def prompt(self, ctx: Context) -> None:
        step = ctx.conversation.step
        if step == "view":
            self._show(ctx)
        else:
            await FIELDS_BY_NAME[step].prompt(ctx)

    async def handle(self, ctx: Context) -> None:
        step = ctx.conversation.step
        if step == "view":
            await self._choose(ctx)
            return
        field = FIELDS_BY_NAME[step]
        if await field.accept(ctx) == Outcome.DONE:
            ctx.say(ctx.t._("Saved."), key="profile.saved")
            ctx.goto(self.name, "view", {})
            self._show(ctx)

    def _show(self, ctx: Context) -> None:
        t = ctx.t
        lines = [t._("Your profile:")]
        lines += [f"• {t._(field.label)}: {field.show(ctx)}" for field in PROFILE_FIELDS]
        lines.append(t._("Tap what you want to change."))
        choices = [ctx.choice(t._(field.label), field.name) for field in PROFILE_FIELDS]
        choices.append(ctx.choice(t._("Done"), DONE))
        ctx.say("\n".join(lines), choices, key="profile", columns=2)

    async def _choose(self, ctx: Context) -> None:
        t = ctx.t
        pairs = [(field.name, t._(field.label)) for field in PROFILE_FIELDS]
        chosen = ctx.pick([*pairs, (DONE, t._("Done"))])
        if chosen == DONE:
            main_menu(ctx)
        elif chosen is None:
            ctx.say(t._("Please tap what you want to change, or Done."), key="error.expected")
        else:
            ctx.goto(self.name, chosen, {}, scope=chosen)
            await self.prompt(ctx)
