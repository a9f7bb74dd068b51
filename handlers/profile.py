"""/profile: what we hold about the organization; each field edits through its registration step."""

from __future__ import annotations

from handlers.base import Context
from handlers.common import main_menu
from handlers.fields import PROFILE_FIELDS, Field, Outcome
from handlers.flow import Flow, Step

NAME = "profile"
DONE = "done"


async def start(ctx: Context) -> None:
    ctx.goto(NAME, "view", {})
    show(ctx)


async def view(ctx: Context) -> None:
    show(ctx)


def show(ctx: Context) -> None:
    t = ctx.t
    lines = [t._("Your profile:")]
    lines += [f"• {t._(field.label)}: {field.show(ctx)}" for field in PROFILE_FIELDS]
    lines.append(t._("Tap what you want to change."))
    choices = [ctx.choice(t._(field.label), field.name) for field in PROFILE_FIELDS]
    choices.append(ctx.choice(t._("Done"), DONE))
    ctx.say("\n".join(lines), choices, key="profile", columns=2)


async def choose(ctx: Context) -> None:
    t = ctx.t
    pairs = [(field.name, t._(field.label)) for field in PROFILE_FIELDS]
    chosen = ctx.pick([*pairs, (DONE, t._("Done"))])
    if chosen == DONE:
        main_menu(ctx)
    elif chosen is None:
        ctx.say(t._("Please tap what you want to change, or Done."), key="error.expected")
    else:
        ctx.goto(NAME, chosen, {}, scope=chosen)
        await ctx.prompt_current()


def _edit_step(field: Field) -> Step:
    async def prompt(ctx: Context) -> None:
        await field.prompt(ctx)

    async def handle(ctx: Context) -> None:
        if await field.accept(ctx) == Outcome.DONE:
            ctx.say(ctx.t._("Saved."), key="profile.saved")
            ctx.goto(NAME, "view", {})
            show(ctx)

    return Step(prompt, handle, field.accepts, ("view",))


FLOW = Flow(
    name=NAME,
    start=start,
    summary="the organization's details, each one editable",
    starts_at=("view",),
    steps={
        "view": Step(
            view, choose, "button: a field, or Done", tuple(f.name for f in PROFILE_FIELDS)
        ),
        **{field.name: _edit_step(field) for field in PROFILE_FIELDS},
    },
)
