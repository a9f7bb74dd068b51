"""Work a flow asks for that reads the committed database on connections of its own (an export).

The flow says what it wants through the store (`Store.export`); the engine runs the job after
the update's transaction commits, so the export includes what that update saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.core.i18n import translator
from bot.core.messages import Reply
from bot.pack import Pack
from storage.db import Database


class Job(Protocol):
    async def run(self, database: Database, pack: Pack) -> list[Reply]: ...


@dataclass(frozen=True)
class ExportJob:
    """The whole export, as the rapporteur's /export asked, sent back as a document."""

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
