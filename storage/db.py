"""Engines and sessions: SQLite embedded by default, PostgreSQL in production."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from storage.sqlite_driver import one_trip_dbapi

log = logging.getLogger(__name__)
MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# The advisory lock key that serialises migrations across processes ("consult" in ASCII).
# Single-key advisory locks do not share a key space with the two-key form used per row.
MIGRATION_LOCK = 0x636F6E73756C74
POOL_SIZE = 20  # PostgreSQL connections per process: three replicas stay well under 100


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Turn on what SQLite leaves off: WAL for concurrent readers, a busy wait, foreign keys."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Deleted rows are overwritten with zeros, so an erased stakeholder's text is not left in
    # free pages of the file (their copies in the WAL go with `after_erasure`'s checkpoint).
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()
    # The sqlite3 module opens transactions lazily, at the first write, so a read-then-write
    # unit of work can meet "database is locked" instead of waiting, and SAVEPOINTs misbehave.
    # Taking over BEGIN (SQLAlchemy's documented recipe) fixes both.
    dbapi_connection.isolation_level = None


def _sqlite_begin(connection: Any) -> None:
    """Take the write lock when a unit of work starts: writers queue instead of failing."""
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """Build the async engine with the settings each backend needs."""
    # An error's message would otherwise quote the statement's values: answers, names, emails,
    # and the engine logs that message with the update id.
    kwargs.setdefault("hide_parameters", True)
    if is_sqlite(url):
        if url.startswith("sqlite+aiosqlite"):
            kwargs.setdefault("module", one_trip_dbapi())  # one thread trip per statement
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    # A fixed pool: under a burst, overflow connections were opened and closed again for every
    # few updates (a new PostgreSQL backend each), which made the slowest answers 4x the median.
    # No ping per checkout either (a round trip per update): a connection lost to a restart
    # fails its update with `connection_invalidated`, the pool is refreshed, and the engine
    # runs the update again (bot/engine/engine.py).
    kwargs.setdefault("pool_size", POOL_SIZE)
    kwargs.setdefault("max_overflow", 0)
    kwargs.setdefault("pool_pre_ping", False)
    kwargs.setdefault("pool_recycle", 1800)
    return create_async_engine(url, **kwargs)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


class _Queue:
    """A FIFO turn for this process's units of work on one SQLite file; re-entered freely by
    the task holding it (a nested unit would meet SQLite's own lock, as before)."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[Any] | None = None

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        task = asyncio.current_task()
        if self._owner is task and task is not None:
            yield
            return
        async with self._lock:
            self._owner = task
            try:
                yield
            finally:
                self._owner = None


class Database:
    """An engine and its session factory, created once per process."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = create_engine(url, **engine_kwargs)
        self.sessions = session_factory(self.engine)
        # SQLite has one writer and every unit of work takes the write lock (BEGIN IMMEDIATE):
        # queue them here, first come first served, rather than in SQLite's busy handler, whose
        # growing sleeps (up to 100 ms each) made the webhook burst's slowest answers seconds.
        self._writer = _Queue() if self.is_sqlite else None

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.url)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: commits at the end, rolls back on any error."""
        if self._writer is None:
            async with self.sessions() as session, session.begin():
                yield session
            return
        async with self._writer.turn(), self.sessions() as session, session.begin():
            yield session

    async def after_erasure(self) -> None:
        """SQLite: fold the WAL into the file and truncate it, so erased pages leave no copy.

        Run after the erasure committed, outside any transaction (a checkpoint cannot run in
        one); a checkpoint that readers keep from finishing is retried at the next erasure.
        """
        if not self.is_sqlite:
            return
        async with self.engine.connect() as connection:
            raw = await connection.get_raw_connection()
            driver = raw.driver_connection
            assert driver is not None
            cursor = await driver.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            busy, _, _ = await cursor.fetchone()
            await cursor.close()
        if busy:
            log.warning("the WAL checkpoint after an erasure was kept from finishing")

    async def upgrade(self) -> None:
        """Apply every Alembic migration up to head on this database, once across replicas.

        On PostgreSQL the migrations run inside one transaction holding an advisory lock, so
        replicas starting together queue: the first migrates, the others then find it done.
        SQLite needs nothing more: BEGIN IMMEDIATE already admits one writer at a time.
        """
        async with self.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                lock = text("SELECT pg_advisory_xact_lock(:key)")
                await connection.execute(lock, {"key": MIGRATION_LOCK})
            await connection.run_sync(_run_upgrade)

    async def schema_revisions(self) -> frozenset[str]:
        """The migrations this database is at (empty before the first upgrade)."""
        async with self.engine.connect() as connection:
            return await connection.run_sync(_current_revisions)

    async def dispose(self) -> None:
        await self.engine.dispose()


@asynccontextmanager
async def migrated_database(url: str) -> AsyncIterator[Database]:
    """A database brought to head for one command, closed after: a fresh file works at once."""
    database = Database(url)
    try:
        await database.upgrade()
        yield database
    finally:
        await database.dispose()


def alembic_config(connection: Any = None) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _run_upgrade(connection: Any) -> None:
    from alembic import command

    command.upgrade(alembic_config(connection), "head")


@functools.cache
def head_revisions() -> frozenset[str]:
    """The revisions this code migrates to (read once: the scripts do not change while running)."""
    from alembic.script import ScriptDirectory

    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


def _current_revisions(connection: Any) -> frozenset[str]:
    from alembic.migration import MigrationContext

    return frozenset(MigrationContext.configure(connection).get_current_heads())
