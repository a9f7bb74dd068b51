"""The publication_opt_in migration on a database that already holds stakeholders."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import text

from storage.db import Database, alembic_config


def _to(revision: str, downgrade: bool = False):
    def run(connection) -> None:
        move = command.downgrade if downgrade else command.upgrade
        move(alembic_config(connection), revision)

    return run


async def test_stakeholders_from_before_are_never_published(tmp_path: Path) -> None:
    """Rows stored before the migration read back null (not asked); downgrading drops it."""
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    try:
        async with database.engine.begin() as connection:
            await connection.run_sync(_to("whatsapp"))
            await connection.execute(
                text(
                    "INSERT INTO stakeholders (platform, platform_user_id, chat_id, "
                    "reminders_opt_in, created_at, updated_at) "
                    "VALUES ('telegram', '1', '1', 0, '2025-01-01', '2025-01-01')"
                )
            )
        await database.upgrade()
        async with database.engine.begin() as connection:
            value = await connection.scalar(text("SELECT publication_consent FROM stakeholders"))
            assert value is None
            await connection.run_sync(_to("whatsapp", downgrade=True))
            columns = await connection.execute(text("PRAGMA table_info(stakeholders)"))
            assert "publication_consent" not in {row[1] for row in columns}
    finally:
        await database.dispose()
