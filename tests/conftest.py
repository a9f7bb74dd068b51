"""Shared fixtures: a real SQLite file and, where TEST_DATABASE_URL is set, a real PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.engine.engine import Engine
from bot.pack import Pack, load_pack
from handlers.flow import Transitions
from storage.db import Database
from storage.models import Base
from tests.dialog import make_engine

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
NO_POSTGRES = "TEST_DATABASE_URL is not set: the PostgreSQL half of the storage suite is skipped"


@pytest.fixture(autouse=True)
def _strict_flow_tables() -> Iterator[None]:
    """Under the tests a move a flow's table does not declare raises instead of being logged."""
    Transitions.strict = True
    yield
    Transitions.strict = False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip tests marked postgres, with the reason in the summary, when there is no server."""
    if POSTGRES_URL:
        return
    skip = pytest.mark.skip(reason=NO_POSTGRES)
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


def asyncpg_url(url: str) -> str:
    """Accept postgresql:// as well as postgresql+asyncpg:// in TEST_DATABASE_URL."""
    if url.startswith("postgresql://"):
        return "postgresql+asyncpg://" + url.removeprefix("postgresql://")
    if url.startswith("postgres://"):
        return "postgresql+asyncpg://" + url.removeprefix("postgres://")
    return url


async def create_postgres_database() -> tuple[str, str]:
    """Make a throwaway database beside TEST_DATABASE_URL's, so parallel runs never meet."""
    import asyncpg

    base = asyncpg_url(POSTGRES_URL or "")
    name = f"consultbot_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(base.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return base.rsplit("/", 1)[0] + f"/{name}", name


async def drop_postgres_database(name: str) -> None:
    import asyncpg

    base = asyncpg_url(POSTGRES_URL or "").replace("postgresql+asyncpg://", "postgresql://")
    admin = await asyncpg.connect(base)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


_sqlite_template: dict[str, Path] = {}


async def sqlite_template() -> Path:
    """A migrated SQLite file made once per run; tests copy it instead of migrating again."""
    if "path" not in _sqlite_template:
        path = Path(tempfile.mkdtemp(prefix="consultbot-template-")) / "template.db"
        database = Database(f"sqlite+aiosqlite:///{path}")
        await database.upgrade()
        await database.dispose()  # the last connection to close folds the WAL into the file
        assert not path.with_name("template.db-wal").exists()
        _sqlite_template["path"] = path
    return _sqlite_template["path"]


@asynccontextmanager
async def migrated_sqlite(directory: Path) -> AsyncIterator[Database]:
    target = directory / "consultbot.db"
    shutil.copyfile(await sqlite_template(), target)
    database = Database(f"sqlite+aiosqlite:///{target}")
    try:
        yield database
    finally:
        await database.dispose()


_shared_postgres: dict[str, str] = {}


async def shared_postgres_url() -> str:
    """One migrated database per test run; each test empties it instead of creating its own."""
    if "url" not in _shared_postgres:
        url, name = await create_postgres_database()
        database = Database(url)
        await database.upgrade()
        await database.dispose()
        _shared_postgres.update(url=url, name=name)
    return _shared_postgres["url"]


@pytest.fixture(scope="session", autouse=True)
def _drop_shared_postgres() -> Iterator[None]:
    yield
    if "name" in _shared_postgres:
        asyncio.run(drop_postgres_database(_shared_postgres["name"]))


async def empty_tables(database: Database) -> None:
    names = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    async with database.engine.begin() as connection:
        await connection.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")


@asynccontextmanager
async def migrated_postgres() -> AsyncIterator[Database]:
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    database = Database(await shared_postgres_url())
    try:
        await empty_tables(database)
        yield database
    finally:
        await database.dispose()


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated SQLite database in a real file."""
    async with migrated_sqlite(tmp_path) as database:
        yield database


@pytest.fixture
async def postgres_db() -> AsyncIterator[Database]:
    """A migrated PostgreSQL database of its own, dropped afterwards."""
    async with migrated_postgres() as database:
        yield database


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """The storage suite's database: each test runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        async with migrated_sqlite(tmp_path) as database:
            yield database
    else:
        async with migrated_postgres() as database:
            yield database


@pytest.fixture(scope="session")
def pack() -> Pack:
    return load_pack("lac-2025")


@pytest.fixture
async def engine(db: Database, pack: Pack, tmp_path) -> AsyncIterator[Engine]:
    """An engine over the parametrised database (SQLite file, then PostgreSQL)."""
    yield make_engine(db, pack, tmp_path)


@pytest.fixture
async def sqlite_engine(sqlite_db: Database, pack: Pack, tmp_path) -> AsyncIterator[Engine]:
    yield make_engine(sqlite_db, pack, tmp_path)
