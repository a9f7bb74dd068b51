"""/export for rapporteurs: pick a format, get the file back as a document in the chat."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.i18n import N_, translator
from bot.core.messages import Reply
from bot.pack import Pack
from handlers.base import Context
from handlers.common import expected, main_menu
from handlers.flow import Flow, Step
from storage.db import Database
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


@dataclass(frozen=True)
class ExportJob:
    """The export, built after the update commits: it reads on connections of its own."""

    file_format: str
    language: str

    async def run(self, database: Database, pack: Pack) -> list[Reply]:
        from bot.export import build_export
        from bot.export.filters import ExportFilters

        document = await build_export(
            database, pack, self.file_format, ExportFilters(), False, self.language
        )
        text = translator(self.language)._("Here is the export.")
        return [Reply(text, document=document, key="export.document")]


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
    ctx.store.defer(ExportJob(file_format, ctx.language))


FLOW = Flow(
    name=NAME,
    start=start,
    summary="the rapporteur's export, sent as a file after the update commits",
    starts_at=("format",),
    steps={"format": Step(ask, take, "button: a file format, or Cancel", ("idle",))},
    roles=frozenset({RAPPORTEUR}),
)
