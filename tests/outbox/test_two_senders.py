"""Scale-out: two senders on one PostgreSQL share a broadcast without sending anything twice."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from collections.abc import AsyncIterator

import pytest

from bot.outbox.sender import OutboxSender, SenderPolicy
from storage import outbox
from storage.broadcasts import Audience, create_broadcast
from storage.db import Database
from tests.conftest import (
    NO_POSTGRES,
    POSTGRES_URL,
    create_postgres_database,
    drop_postgres_database,
)
from tests.outbox.helpers import START, RecordingTransport, add_stakeholders, stakeholder_row

RECIPIENTS = 2000


@pytest.fixture
async def own_postgres() -> AsyncIterator[Database]:
    """A database of this test's own, without a WAL fsync per commit: the test is about claims.

    Each delivery is recorded in its own commit; an fsync per commit made this test take half a
    minute on a busy machine without telling anything more about concurrency. Its own database
    keeps the setting away from the suite's shared one.
    """
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    url, name = await create_postgres_database()
    database = Database(url)
    try:
        async with database.engine.connect() as connection:
            await connection.exec_driver_sql(
                f'ALTER DATABASE "{name}" SET synchronous_commit = off'
            )
        await database.engine.dispose()  # new connections take the setting
        await database.upgrade()
        yield database
    finally:
        await database.dispose()
        await drop_postgres_database(name)


@pytest.mark.postgres
@pytest.mark.slow
async def test_two_senders_deliver_2000_once_each(own_postgres: Database) -> None:
    """Two senders with their own connection pools: every recipient once, none missing."""
    await add_stakeholders(own_postgres, (stakeholder_row(n) for n in range(RECIPIENTS)))
    async with own_postgres.transaction() as session:
        queued = await create_broadcast(
            session,
            texts={"es": "hola"},
            audience=Audience(),
            languages=["es", "en"],
            default_language="es",
            created_by="console:ana",
            now=START,
        )
    second_db = Database(own_postgres.url)
    transports = [RecordingTransport(), RecordingTransport()]
    policy = SenderPolicy(rate_per_second=1000, batch_size=25, lease=dt.timedelta(minutes=5))
    senders = [
        OutboxSender(database, {"console": transport}, policy)  # type: ignore[dict-item]  # a test transport: send only
        for database, transport in zip((own_postgres, second_db), transports, strict=True)
    ]
    try:
        reports = await asyncio.gather(*(sender.drain() for sender in senders))
    finally:
        await second_db.dispose()
    delivered = Counter(s.address.chat_id for t in transports for s in t.sent)
    async with own_postgres.transaction() as session:
        counts = await outbox.counts_by_broadcast(session)
    assert queued.recipients == RECIPIENTS
    assert set(delivered) == {f"chat{n}" for n in range(RECIPIENTS)}
    assert max(delivered.values()) == 1
    assert all(report.sent > 0 for report in reports)  # both took part
    assert counts[queued.broadcast_id]["sent"] == RECIPIENTS
