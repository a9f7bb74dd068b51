"""One person's updates are taken in turn across processes: the PostgreSQL advisory lock.

Two `Database` objects stand for two replicas (separate pools, separate connections).
"""

from __future__ import annotations

import asyncio

import pytest

from storage.db import Database
from storage.state import take_turn

pytestmark = pytest.mark.postgres


async def _turn_taken(database: Database, user_id: str, taken: asyncio.Event) -> None:
    async with database.transaction() as session:
        await take_turn(session, "telegram", user_id)
        taken.set()


async def test_a_second_replica_waits_for_the_same_persons_turn(postgres_db: Database) -> None:
    """While replica A handles person 1, replica B waits for person 1 but not for person 2."""
    other = Database(postgres_db.url)
    try:
        async with postgres_db.transaction() as session:
            await take_turn(session, "telegram", "1")
            same, different = asyncio.Event(), asyncio.Event()
            waiting = asyncio.create_task(_turn_taken(other, "1", same))
            await asyncio.wait_for(_turn_taken(other, "2", different), timeout=5)
            await asyncio.sleep(0.5)
            assert different.is_set() and not same.is_set()  # person 1 waits for A's commit
        await asyncio.wait_for(waiting, timeout=5)  # A committed: B's turn
        assert same.is_set()
    finally:
        await other.dispose()
