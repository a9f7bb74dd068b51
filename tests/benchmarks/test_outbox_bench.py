"""Throughput of the outbox sender: a 2,000-message drain through a no-op transport.

Run with `make bench`; the figures land in pytest-benchmark's table and in `extra_info`. The rate
limit is set far above what one sender reaches, so the figure is the outbox's own cost: one
claim per batch and one committed outcome per message.
"""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path
from typing import Any

import pytest

from bot.core.messages import Address, Reply
from bot.outbox.sender import OutboxSender, SenderPolicy
from storage.broadcasts import Audience, create_broadcast
from storage.db import Database
from tests.conftest import create_postgres_database, drop_postgres_database
from tests.outbox.helpers import START, add_stakeholders, stakeholder_row

MESSAGES = 2000
RATE = 10_000.0


class NoopTransport:
    """Takes every message at once."""

    platform = "console"

    def __init__(self) -> None:
        self.count = 0

    async def run(self, dispatch: object) -> None:
        raise NotImplementedError

    async def send(self, address: Address, reply: Reply) -> None:
        self.count += 1


async def _seed(url: str) -> None:
    """Migrate, add 2,000 stakeholders and queue one broadcast to all of them."""
    database = Database(url)
    try:
        await database.upgrade()
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
    finally:
        await database.dispose()


async def _drain(url: str) -> int:
    database = Database(url)
    transport = NoopTransport()
    try:
        policy = SenderPolicy(rate_per_second=RATE)
        await OutboxSender(database, {"console": transport}, policy).drain()  # type: ignore[dict-item]  # a test transport: send only
    finally:
        await database.dispose()
    return transport.count


def _record(benchmark: Any, backend: str, delivered: int) -> None:
    per_second = MESSAGES / benchmark.stats.stats.mean
    benchmark.extra_info.update(backend=backend, messages=delivered, per_second=round(per_second))
    print(f"\n{backend}: {MESSAGES} messages, {per_second:.0f} messages/s")
    assert delivered == MESSAGES


def test_drain_2000_sqlite(benchmark: Any, tmp_path: Path) -> None:
    """Messages per second one sender delivers and records on SQLite."""
    numbers = itertools.count()

    def fresh() -> tuple[tuple[str], dict[str, Any]]:
        url = f"sqlite+aiosqlite:///{tmp_path / f'bench-{next(numbers)}.db'}"
        asyncio.run(_seed(url))
        return (url,), {}

    delivered = benchmark.pedantic(
        lambda url: asyncio.run(_drain(url)), setup=fresh, rounds=3, iterations=1
    )
    _record(benchmark, "sqlite", delivered)


@pytest.mark.postgres
def test_drain_2000_postgres(benchmark: Any) -> None:
    """Messages per second one sender delivers and records on PostgreSQL."""
    names: list[str] = []

    def fresh() -> tuple[tuple[str], dict[str, Any]]:
        url, name = asyncio.run(create_postgres_database())
        names.append(name)
        asyncio.run(_seed(url))
        return (url,), {}

    try:
        delivered = benchmark.pedantic(
            lambda url: asyncio.run(_drain(url)), setup=fresh, rounds=3, iterations=1
        )
    finally:
        for name in names:
            asyncio.run(drop_postgres_database(name))
    _record(benchmark, "postgresql", delivered)
