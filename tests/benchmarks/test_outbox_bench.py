"""Throughput of the outbox sender: a 2,000-message drain through a no-op transport."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from bot.messages import Address, Reply
from bot.outbox import OutboxSender, SenderPolicy
from storage.broadcasts import Audience, create_broadcast
from storage.db import Database
from tests.conftest import migrated_postgres, migrated_sqlite
from tests.outbox.helpers import START, add_stakeholders, stakeholder_row

MESSAGES = 2000


class NoopTransport:
    """Takes every message at once, so the measure is the outbox's own cost."""

    platform = "console"

    def __init__(self) -> None:
        self.count = 0

    async def run(self, dispatch: object) -> None:
        raise NotImplementedError

    async def send(self, address: Address, reply: Reply) -> None:
        self.count += 1


async def drain_once(database: Database) -> tuple[float, int]:
    """Queue a 2,000-recipient broadcast and time one drain at a rate that never binds."""
    await add_stakeholders(database, (stakeholder_row(n) for n in range(MESSAGES)))
    async with database.transaction() as session:
        await create_broadcast(
            session,
            texts={"es": "hola"},
            audience=Audience(),
            languages=["es"],
            default_language="es",
            created_by="bench",
            now=START,
        )
    transport = NoopTransport()
    sender = OutboxSender(database, {"console": transport}, SenderPolicy(rate_per_second=1000))
    began = time.perf_counter()
    await sender.drain()
    return time.perf_counter() - began, transport.count


def report(backend: str, elapsed: float, count: int) -> None:
    print(f"\n{backend}: {count} messages in {elapsed:.2f}s = {count / elapsed:.0f} msg/s")


def test_drain_2000_sqlite(tmp_path: Path) -> None:
    """How many messages per second one sender records on SQLite."""

    async def run() -> tuple[float, int]:
        async with migrated_sqlite(tmp_path) as database:
            return await drain_once(database)

    elapsed, count = asyncio.run(run())
    report("sqlite", elapsed, count)
    assert count == MESSAGES


@pytest.mark.postgres
def test_drain_2000_postgres() -> None:
    """How many messages per second one sender records on PostgreSQL."""

    async def run() -> tuple[float, int]:
        async with migrated_postgres() as database:
            return await drain_once(database)

    elapsed, count = asyncio.run(run())
    report("postgresql", elapsed, count)
    assert count == MESSAGES
