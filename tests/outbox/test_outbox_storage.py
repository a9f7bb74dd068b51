"""The outbox queries on SQLite and PostgreSQL: idempotent enqueue, leases, outcomes, counts."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from storage import outbox
from storage.db import Database
from storage.models import OutboxMessage
from tests.outbox.helpers import START, add_stakeholders, stakeholder_row

LEASE = dt.timedelta(seconds=30)


def message(number: int, stakeholder_id: int, broadcast_id: int | None = None) -> outbox.NewMessage:
    return outbox.NewMessage(
        key=f"test:{number}",
        kind="broadcast",
        stakeholder_id=stakeholder_id,
        platform="console",
        chat_id=f"chat{number}",
        text=f"hello {number}",
        broadcast_id=broadcast_id,
    )


async def seed(db: Database, count: int) -> list[int]:
    ids = await add_stakeholders(db, (stakeholder_row(n) for n in range(count)))
    async with db.transaction() as session:
        await outbox.enqueue(session, [message(n, ids[n]) for n in range(count)], START)
    return ids


async def test_enqueue_twice_is_harmless(db: Database) -> None:
    """Enqueueing the same keys again queues nothing new."""
    ids = await add_stakeholders(db, (stakeholder_row(n) for n in range(3)))
    batch = [message(n, ids[n]) for n in range(3)]
    async with db.transaction() as session:
        first = await outbox.enqueue(session, batch, START)
    async with db.transaction() as session:
        second = await outbox.enqueue(session, [*batch, message(3, ids[0])], START)
        total = await session.scalar(select(func.count()).select_from(OutboxMessage))
    assert (first, second, total) == (3, 1, 4)


async def test_claims_are_disjoint_and_counted(db: Database) -> None:
    """Two claims take different messages, and each claim counts one attempt."""
    await seed(db, 5)
    async with db.transaction() as session:
        first = await outbox.claim(session, "a", START, LEASE, 3, ["console"])
    async with db.transaction() as session:
        second = await outbox.claim(session, "b", START, LEASE, 3, ["console"])
    assert len(first) == 3 and len(second) == 2
    assert not {m.id for m in first} & {m.id for m in second}
    assert all(m.attempts == 1 for m in first + second)


async def test_expired_lease_is_claimed_again(db: Database) -> None:
    """A claim whose sender died becomes due when its lease runs out, not before."""
    await seed(db, 2)
    async with db.transaction() as session:
        held = await outbox.claim(session, "dead", START, LEASE, 10, ["console"])
    async with db.transaction() as session:
        early = await outbox.claim(session, "b", START + LEASE / 2, LEASE, 10, ["console"])
    async with db.transaction() as session:
        late = await outbox.claim(session, "b", START + LEASE * 2, LEASE, 10, ["console"])
    assert len(held) == 2 and early == []
    assert sorted(m.id for m in late) == sorted(m.id for m in held)
    assert all(m.attempts == 2 for m in late)


async def test_only_platforms_served_are_claimed(db: Database) -> None:
    """A sender without a Slack transport leaves Slack messages queued."""
    await seed(db, 2)
    async with db.transaction() as session:
        claimed = await outbox.claim(session, "a", START, LEASE, 10, ["slack"])
        waiting = await outbox.pending(session)
    assert claimed == [] and waiting == 2


async def test_outcome_needs_the_lease(db: Database) -> None:
    """A sender that lost its lease cannot record an outcome over the new holder's."""
    await seed(db, 1)
    async with db.transaction() as session:
        [held] = await outbox.claim(session, "a", START, LEASE, 1, ["console"])
    async with db.transaction() as session:
        await outbox.claim(session, "b", START + LEASE * 2, LEASE, 1, ["console"])
    async with db.transaction() as session:
        stale = await outbox.mark_sent(session, held.id, "a", START)
        fresh = await outbox.mark_sent(session, held.id, "b", START)
    assert (stale, fresh) == (False, True)


async def test_retry_waits_for_not_before(db: Database) -> None:
    """A message put back for later is not due before its not_before."""
    await seed(db, 1)
    async with db.transaction() as session:
        [held] = await outbox.claim(session, "a", START, LEASE, 1, ["console"])
        later = START + dt.timedelta(seconds=60)
        await outbox.mark_retry(session, held.id, "a", later, "timeout")
    async with db.transaction() as session:
        early = await outbox.claim(
            session, "a", START + dt.timedelta(seconds=59), LEASE, 1, ["console"]
        )
        due = await outbox.next_due(session, ["console"])
    async with db.transaction() as session:
        on_time = await outbox.claim(session, "a", later, LEASE, 1, ["console"])
    assert early == [] and due == later and [m.id for m in on_time] == [held.id]


async def test_release_refunds_the_attempt(db: Database) -> None:
    """Messages given back untried (after a 429) keep their attempt count."""
    await seed(db, 1)
    async with db.transaction() as session:
        [held] = await outbox.claim(session, "a", START, LEASE, 1, ["console"])
        await outbox.release(session, [held.id], "a", START)
    async with db.transaction() as session:
        [again] = await outbox.claim(session, "a", START, LEASE, 1, ["console"])
    assert again.attempts == 1


async def test_unreachable_stakeholder_skips_queued_messages(db: Database) -> None:
    """A 403 flags the stakeholder and closes their other queued messages."""
    ids = await add_stakeholders(db, [stakeholder_row(0)])
    async with db.transaction() as session:
        await outbox.enqueue(session, [message(0, ids[0]), message(1, ids[0])], START)
        [held] = await outbox.claim(session, "a", START, LEASE, 1, ["console"])
        await outbox.mark_unreachable(session, held.id, "a", ids[0], START)
    async with db.transaction() as session:
        left = await outbox.claim(session, "a", START, LEASE, 10, ["console"])
        flagged = await outbox.unreachable_among(session, ids)
        statuses = list(await session.scalars(select(OutboxMessage.status)))
    assert left == [] and flagged == {ids[0]} and statuses == ["unreachable", "unreachable"]


async def test_counts_by_broadcast(db: Database) -> None:
    """Counts fold in-flight messages into queued and name every outcome."""
    from storage.models import Broadcast

    ids = await add_stakeholders(db, (stakeholder_row(n) for n in range(4)))
    async with db.transaction() as session:
        broadcast = Broadcast(created_by="console:ana", texts={"es": "x"})
        session.add(broadcast)
        await session.flush()
        batch = [message(n, ids[n], broadcast.id) for n in range(4)]
        await outbox.enqueue(session, batch, START)
        claimed = await outbox.claim(session, "a", START, LEASE, 3, ["console"])
        await outbox.mark_sent(session, claimed[0].id, "a", START)
        await outbox.mark_failed(session, claimed[1].id, "a", "bad request")
    async with db.transaction() as session:
        counts = await outbox.counts_by_broadcast(session)
    assert counts == {
        broadcast.id: {"queued": 2, "sent": 1, "failed": 1, "unreachable": 0, "no_template": 0}
    }
