"""Limits every sender and replica shares through the database: the rate, a 429, a chat's turn."""

from __future__ import annotations

import datetime as dt

from storage import outbox, pace
from storage.db import Database
from storage.leases import hold
from tests.outbox.helpers import START, add_stakeholders, stakeholder_row

NOW = START.timestamp()


async def test_reservations_never_overlap(db: Database) -> None:
    """Two senders reserving 10 slots each at 100/s get back-to-back, disjoint times."""
    async with db.transaction() as session:
        first, _ = await pace.reserve(session, "telegram", 10, 0.01, NOW)
    async with db.transaction() as session:
        second, _ = await pace.reserve(session, "telegram", 10, 0.01, NOW)
    async with db.transaction() as session:
        other, _ = await pace.reserve(session, "slack", 10, 0.01, NOW)
    assert first == NOW and abs(second - (NOW + 0.1)) < 1e-6
    assert other == NOW  # each platform has its own rate


async def test_a_pause_holds_every_later_reservation(db: Database) -> None:
    """A 429 written by one sender: another's next slots start after it."""
    async with db.transaction() as session:
        await pace.reserve(session, "telegram", 5, 0.01, NOW)
        await pace.pause(session, "telegram", NOW + 30)
    async with db.transaction() as session:
        start, paused = await pace.reserve(session, "telegram", 5, 0.01, NOW + 1)
    assert paused == NOW + 30 and start == NOW + 30


async def test_a_lease_has_one_holder_until_it_lapses(db: Database) -> None:
    """One replica holds the scheduler's lease and renews it; another takes it once it lapses."""
    async with db.transaction() as session:
        assert await hold(session, "scheduler", "a", NOW, 30)
        assert not await hold(session, "scheduler", "b", NOW + 10, 30)
        assert await hold(session, "scheduler", "a", NOW + 20, 30)  # renewed: until NOW + 50
        assert not await hold(session, "scheduler", "b", NOW + 45, 30)
        assert await hold(session, "scheduler", "b", NOW + 51, 30)
        assert not await hold(session, "scheduler", "a", NOW + 52, 30)


async def test_a_chat_in_flight_elsewhere_is_not_claimed(db: Database) -> None:
    """Two messages to one chat: while one is in flight with a sender, or within the gap after
    it went, no other sender claims the second; after the gap one does."""
    [who] = await add_stakeholders(db, [stakeholder_row(1)])
    messages = [
        outbox.NewMessage(f"k{n}", "broadcast", who, "console", "chat1", f"m{n}") for n in (1, 2)
    ]
    async with db.transaction() as session:
        await outbox.enqueue(session, messages, START)
    gap, lease = dt.timedelta(seconds=1), dt.timedelta(seconds=60)

    async def claim(owner: str, at: dt.datetime) -> list[outbox.Claimed]:
        async with db.transaction() as session:
            return await outbox.claim(session, owner, at, lease, 1, ["console"], gap)

    [first] = await claim("a", START)
    assert await claim("b", START) == []  # the chat is in flight with sender a
    async with db.transaction() as session:
        assert await outbox.mark_sent(session, first.id, "a", START)
    assert await claim("b", START + dt.timedelta(seconds=0.5)) == []  # within the chat's gap
    [second] = await claim("b", START + dt.timedelta(seconds=1.5))
    assert (first.key, second.key) == ("k1", "k2")


async def test_slots_nobody_took_lately_may_still_be_used_never_older_nor_during_a_pause(
    db: Database,
) -> None:
    """A sender that stalled gets the slots left unused within the catch-up window, no older
    ones; and a pause still holds every slot until it ends."""
    async with db.transaction() as session:
        await pace.reserve(session, "telegram", 10, 0.001, NOW)  # up to NOW + 0.01
        late, _ = await pace.reserve(session, "telegram", 10, 0.001, NOW + 0.015, 0.016)
        assert abs(late - (NOW + 0.01)) < 1e-6  # the unused 5 ms are used, at once
        idle, _ = await pace.reserve(session, "telegram", 10, 0.001, NOW + 5, 0.016)
        assert abs(idle - (NOW + 5 - 0.016)) < 1e-6  # only the window, not 5 s of slots
        await pace.pause(session, "telegram", NOW + 10)
        paused, _ = await pace.reserve(session, "telegram", 10, 0.001, NOW + 10.005, 0.016)
        assert paused == NOW + 10
