"""The Alembic migrations build exactly the schema the models declare, on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from storage.db import Database
from storage.models import Base


def _differences(connection) -> list:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, Base.metadata)


async def test_models_and_migrations_agree(db: Database) -> None:
    """Autogenerate finds nothing to change after `upgrade head`."""
    async with db.engine.connect() as connection:
        differences = await connection.run_sync(_differences)
    assert differences == []


async def test_upgrade_is_repeatable(db: Database) -> None:
    """Running the migrations again (as every start does) changes nothing and fails nothing."""
    await db.upgrade()
    async with db.engine.connect() as connection:
        tables = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    assert set(Base.metadata.tables) <= tables


async def test_sqlite_pragmas_are_on(sqlite_db: Database) -> None:
    """The embedded database runs with WAL, a busy timeout and foreign keys."""
    async with sqlite_db.engine.connect() as connection:
        journal = (await connection.exec_driver_sql("PRAGMA journal_mode")).scalar()
        foreign_keys = (await connection.exec_driver_sql("PRAGMA foreign_keys")).scalar()
        busy = (await connection.exec_driver_sql("PRAGMA busy_timeout")).scalar()
    assert (journal, foreign_keys, busy) == ("wal", 1, 10000)
