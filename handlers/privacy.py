"""/mydata and /forget: see everything stored, or erase it after a confirmation."""

from __future__ import annotations

import json

from bot.core.messages import Document
from handlers.base import Context, command_choice
from handlers.common import main_menu, tap_a_button
from handlers.flow import Flow, Step, one_message

YES, NO = "yes", "no"


async def my_data(ctx: Context) -> None:
    t = ctx.t
    data = await ctx.store.personal_data()
    content = json.dumps(data, ensure_ascii=False, indent=2).encode()
    current = sum(1 for answer in data["answers"] if answer["current"])
    ctx.say(
        t.ngettext(
            "This file holds everything stored about you: your profile and {count} answer "
            "(with earlier versions). To erase it all, send /forget.",
            "This file holds everything stored about you: your profile and {count} answers "
            "(with earlier versions). To erase it all, send /forget.",
            current,
        ),
        document=Document("my-data.json", content, "application/json"),
        key="mydata",
    )


def _options(ctx: Context) -> list[tuple[str, str]]:
    t = ctx.t
    return [(YES, t._("Yes, erase everything")), (NO, t._("No, keep my data"))]


async def start_forget(ctx: Context) -> None:
    ctx.goto("forget", "confirm", {})
    await ask_forget(ctx)


async def ask_forget(ctx: Context) -> None:
    ctx.say(
        ctx.t._(
            "This erases your profile and all your answers. It cannot be undone. Erase everything?"
        ),
        ctx.choices(_options(ctx)),
        key="ask.forget",
    )


async def take_forget(ctx: Context) -> None:
    t = ctx.t
    chosen = ctx.pick(_options(ctx))
    if chosen is None:
        tap_a_button(ctx)
        return
    if chosen == NO:
        main_menu(ctx, t._("Nothing was erased."))
        return
    await ctx.store.erase()
    ctx.say(
        t._("Done: your profile and answers have been erased. Goodbye, and thank you."),
        [command_choice(t._("Register again"), "start")],
        key="forgotten",
    )


MYDATA = one_message("mydata", my_data, "a file of everything stored about the stakeholder")
FORGET = Flow(
    name="forget",
    start=start_forget,
    summary="erase the stakeholder's data, after a confirmation",
    starts_at=("confirm",),
    steps={"confirm": Step(ask_forget, take_forget, "button: yes | no", ("idle",))},
)
FLOWS = (MYDATA, FORGET)
