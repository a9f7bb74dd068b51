"""What several export tests share: making an export and reading the database directly."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.export import ExportFilters, build_export
from bot.pack import Pack
from storage.db import Database
from storage.models import Answer, Stakeholder
from tests.export.seed import JANUARY

NAMED = ("Red Migrante Caribe", "Universidad del Sur", "Frontera Norte")
NEVER_NAMED = ("Secret Shelter Org", "Unconsented Org")


async def export_bytes(
    db: Database,
    pack: Pack,
    format: str,
    filters: ExportFilters | None = None,
    anonymize: bool = False,
    language: str = "en",
) -> bytes:
    document = await build_export(db, pack, format, filters or ExportFilters(), anonymize, language)
    return document.content


async def exported_answers(db: Database) -> dict[int, tuple[Answer, Stakeholder]]:
    """Current answers of consenting stakeholders, read without the export code."""
    async with db.transaction() as session:
        rows = await session.execute(
            select(Answer, Stakeholder)
            .join(Stakeholder, Stakeholder.id == Answer.stakeholder_id)
            .where(Answer.current.is_(True), Stakeholder.consented_at.is_not(None))
        )
        return {answer.id: (answer, stakeholder) for answer, stakeholder in rows}


def lac_stakeholder(name: str, **fields: Any) -> Stakeholder:
    """A consenting migrant-led organization on Telegram, for tests on the bundled lac-2025 pack."""
    defaults = {
        "platform": "telegram",
        "platform_user_id": name,
        "chat_id": name,
        "consent_version": "2025-03",
        "consented_at": JANUARY,
        "registered_at": JANUARY,
        "category": "migrant_led",
    }
    return Stakeholder(**(defaults | fields))
