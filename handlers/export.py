"""/export for rapporteurs: pick a format, get the file back as a document in the chat."""

from __future__ import annotations

from bot.core.i18n import N_
from bot.core.messages import Reply
from handlers.base import Context, Flow
from handlers.common import expected, main_menu

FORMATS = (
    ("xlsx", N_("Spreadsheet (Excel)")),
    ("csv", N_("Table (CSV)")),
    ("jsonl", N_("Data (JSON lines)")),
    ("docx", N_("Draft report (Word)")),
    ("md", N_("Draft report (text)")),
)
CANCEL = "cancel"


class ExportFlow(Flow):
    name = "export"

    async def start(self, ctx: Context) -> None:
        wanted = ctx.inbound.args.strip().lower()
        if wanted in dict(FORMATS):
            await self._send(ctx, wanted)
            return
        ctx.goto(self.name, "format", {})
        await self.prompt(ctx)

    async def prompt(self, ctx: Context) -> None:
        t = ctx.t
        choices = [ctx.choice(t._(label), key) for key, label in FORMATS]
        choices.append(ctx.choice(t._("Cancel"), CANCEL))
        ctx.say(
            t._("Which file do you want? Only stakeholders who consented are included."),
            choices,
            key="ask.export",
            columns=2,
        )

    async def handle(self, ctx: Context) -> None:
        t = ctx.t
        chosen = ctx.pick([*((key, t._(label)) for key, label in FORMATS), (CANCEL, t._("Cancel"))])
        if chosen is None:
            expected(ctx, t._("Please tap one of the formats."))
        elif chosen == CANCEL:
            main_menu(ctx)
        else:
            await self._send(ctx, chosen)

    async def _send(self, ctx: Context, file_format: str) -> None:
        """Build the file after this update commits: the export reads on its own connections."""
        from bot.export import build_export
        from bot.export.filters import ExportFilters

        database, pack, t, language = ctx.services["database"], ctx.pack, ctx.t, ctx.language

        async def build() -> list[Reply]:
            document = await build_export(
                database, pack, file_format, ExportFilters(), False, language
            )
            return [Reply(t._("Here is the export."), document=document, key="export.document")]

        ctx.goto("idle", "", {})
        ctx.after_commit.append(build)
