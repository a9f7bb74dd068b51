"""Several replicas, one scheduler at a time: the lease is taken over when its holder stops."""

from __future__ import annotations

from bot.outbox.scheduler import ReminderScheduler
from storage.db import Database
from tests.outbox.helpers import FakeClock, make_pack


async def test_one_replica_leads_and_another_takes_over(db: Database) -> None:
    """Two schedulers: one leads and keeps leading; once it stops renewing, the other leads."""
    clock = FakeClock()
    first = ReminderScheduler(db, make_pack(), clock, interval=60)
    second = ReminderScheduler(db, make_pack(), clock, interval=60)
    assert await first.leading() and not await second.leading()
    clock.advance(60)
    assert await first.leading() and not await second.leading()  # renewed each tick
    clock.advance(3 * 60 + 1)  # the first replica died: no renewal for three intervals
    assert await second.leading() and not await first.leading()
