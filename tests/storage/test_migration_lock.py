"""Several replicas starting together migrate one database once, without tripping on each other."""

from __future__ import annotations

import asyncio
import os
import sys
import time

import pytest
from sqlalchemy import inspect, text

from storage.db import Database, head_revisions
from storage.models import Base
from tests.conftest import create_postgres_database, drop_postgres_database

REPLICAS = 4

# Each replica imports everything first, then waits for the same moment to start migrating,
# so the upgrades overlap as they do when an orchestrator starts several containers at once.
REPLICA = """
import asyncio, sys, time
from storage.db import Database
start = float(sys.argv[2])
time.sleep(max(start - time.time(), 0))
asyncio.run(Database(sys.argv[1]).upgrade())
"""


async def _replica_upgrades(url: str, count: int) -> list[tuple[int, str]]:
    start = time.time() + 3.0
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            REPLICA,
            url,
            str(start),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": os.getcwd()},
        )
        for _ in range(count)
    ]
    results = []
    for process in processes:
        _, stderr = await asyncio.wait_for(process.communicate(), 120)
        results.append((process.returncode or 0, stderr.decode(errors="replace")[-2000:]))
    return results


@pytest.mark.postgres
@pytest.mark.slow
async def test_replicas_upgrading_a_fresh_postgres_together_all_succeed() -> None:
    """Four processes run `upgrade` on one empty PostgreSQL at the same moment: all exit 0."""
    url, name = await create_postgres_database()
    try:
        results = await _replica_upgrades(url, REPLICAS)
        failures = [stderr for code, stderr in results if code != 0]
        assert failures == [], failures[0] if failures else ""
        database = Database(url)
        try:
            async with database.engine.connect() as connection:
                tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
                versions = (
                    await connection.execute(text("SELECT version_num FROM alembic_version"))
                ).scalars()
                assert sorted(versions) == sorted(head_revisions())
        finally:
            await database.dispose()
        assert set(Base.metadata.tables) <= tables
    finally:
        await drop_postgres_database(name)


@pytest.mark.slow
async def test_sqlite_replicas_upgrading_together_all_succeed(tmp_path) -> None:
    """The same start-up race on one SQLite file: the write lock already serialises it."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'race.db'}"
    results = await _replica_upgrades(url, 3)
    assert [code for code, _ in results] == [0, 0, 0], [stderr for _, stderr in results]
