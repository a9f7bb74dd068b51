"""/export for rapporteurs: pick a format, get the file back as a document in the chat."""

from __future__ import annotations

from bot.core.i18n import N_
from handlers.base import Context
from handlers.common import expected, main_menu
from handlers.flow import Flow, Step
from storage.roles import RAPPORTEUR

NAME = "export"
FORMATS = (
    ("xlsx", N_("Spreadsheet (Excel)")),
    ("csv", N_("Table (CSV)")),
    ("jsonl", N_("Data (JSON lines)")),
    ("docx", N_("Draft report (Word)")),
    ("md", N_("Draft report (text)")),
)
CANCEL = "cancel"


def _options(ctx: Context) -> list[tuple[str, str]]:
    t = ctx.t
    return [*((key, t._(label)) for key, label in FORMATS), (CANCEL, t._("Cancel"))]


async def start(ctx: Context) -> None:
    wanted = ctx.inbound.args.strip().lower()
    if wanted in dict(FORMATS):
        _send(ctx, wanted)
        return
    ctx.goto(NAME, "format", {})
    await ask(ctx)


async def ask(ctx: Context) -> None:
    ctx.say(
        ctx.t._("Which file do you want? Only stakeholders who consented are included."),
        ctx.choices(_options(ctx)),
        key="ask.export",
        columns=2,
    )


async def take(ctx: Context) -> None:
    chosen = ctx.pick(_options(ctx))
    if chosen is None:
        expected(ctx, ctx.t._("Please tap one of the formats."))
    elif chosen == CANCEL:
        main_menu(ctx)
    else:
        _send(ctx, chosen)


def _send(ctx: Context, file_format: str) -> None:
    ctx.goto("idle", "", {})
    ctx.store.export(file_format, ctx.language)  # built once this update commits


FLOW = Flow(
    name=NAME,
    start=start,
    summary="the rapporteur's export, sent as a file after the update commits",
    starts_at=("format",),
    steps={"format": Step(ask, take, "button: a file format, or Cancel", ("idle",))},
    roles=frozenset({RAPPORTEUR}),
)
