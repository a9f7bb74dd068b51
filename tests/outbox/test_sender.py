"""The outbox sender against a recording transport and a fake clock: no test sleeps for real."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools

import pytest
from sqlalchemy import select, update

from bot.core.delivery import PermanentFailure, RateLimited, TransientFailure, Unreachable
from bot.outbox.sender import OutboxSender, SenderPolicy
from storage import outbox
from storage.db import Database
from storage.models import OutboxMessage, Stakeholder
from tests.outbox.helpers import FakeClock, RecordingTransport, add_stakeholders, stakeholder_row


async def queue(db: Database, clock: FakeClock, chats: list[int], prefix: str = "m") -> list[int]:
    """One stakeholder per distinct chat number, one message per entry of `chats`."""
    numbers = sorted(set(chats))
    ids = dict(zip(numbers, await add_stakeholders(db, map(stakeholder_row, numbers)), strict=True))
    messages = [
        outbox.NewMessage(
            key=f"{prefix}:{index}",
            kind="broadcast",
            stakeholder_id=ids[chat],
            platform="console",
            chat_id=f"chat{chat}",
            text=f"{prefix} {index}",
        )
        for index, chat in enumerate(chats)
    ]
    async with db.transaction() as session:
        await outbox.enqueue(session, messages, clock.now())
    return [ids[n] for n in numbers]


def sender(db: Database, clock: FakeClock, transport: RecordingTransport, **policy: object):
    return OutboxSender(db, {"console": transport}, SenderPolicy(**policy), clock)  # type: ignore[arg-type]  # a test transport: send only


async def statuses(db: Database) -> dict[str, str]:
    async with db.transaction() as session:
        rows = await session.execute(select(OutboxMessage.key, OutboxMessage.status))
    return dict(rows.all())


async def test_drain_delivers_every_message_once(db: Database) -> None:
    """Each queued message reaches its chat exactly once and is marked sent."""
    clock = FakeClock()
    transport = RecordingTransport(clock)
    await queue(db, clock, list(range(30)))
    report = await sender(db, clock, transport, batch_size=7).drain()
    assert sorted(s.text for s in transport.sent) == sorted(f"m {n}" for n in range(30))
    assert report.sent == 30 and set((await statuses(db)).values()) == {"sent"}


async def test_global_rate_is_respected(db: Database) -> None:
    """Sends are spaced at least 1/rate apart in the sender's clock."""
    clock = FakeClock()
    transport = RecordingTransport(clock)
    await queue(db, clock, list(range(60)))
    await sender(db, clock, transport, rate_per_second=20).drain()
    times = [s.at for s in transport.sent]
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert len(times) == 60 and min(gaps) >= 1 / 20 - 1e-9
    assert times[-1] - times[0] >= 59 / 20 - 1e-9


async def test_one_message_per_second_per_chat(db: Database) -> None:
    """Several messages to one chat go out a second apart while other chats keep flowing."""
    clock = FakeClock()
    transport = RecordingTransport(clock)
    await queue(db, clock, [1, 1, 1, 2, 3])
    await sender(db, clock, transport, rate_per_second=100).drain()
    to_one = [s.at for s in transport.sent if s.address.chat_id == "chat1"]
    assert len(transport.sent) == 5 and len(to_one) == 3
    assert all(b - a >= 1.0 - 1e-9 for a, b in itertools.pairwise(to_one))


async def test_429_pauses_then_delivers(db: Database) -> None:
    """A RateLimited(retry_after) holds every send for that long, then all are delivered."""
    clock = FakeClock()
    transport = RecordingTransport(clock, errors={"chat2": [RateLimited(7)]})
    await queue(db, clock, [1, 2, 3, 4])
    report = await sender(db, clock, transport, rate_per_second=100).drain()
    after = [s for s in transport.sent if s.address.chat_id in {"chat2", "chat3", "chat4"}]
    assert report.sent == 4 and len(transport.calls) == 5
    assert min(s.at for s in after) >= 7.0 and 7 in clock.sleeps
    async with db.transaction() as session:
        attempts = set(await session.scalars(select(OutboxMessage.attempts)))
    assert attempts == {1}  # the refused try is not held against the message


async def test_403_marks_unreachable_and_skips_later_messages(db: Database) -> None:
    """A blocked chat flags its stakeholder; their later messages are never tried."""
    clock = FakeClock()
    transport = RecordingTransport(clock, always={"chat1": Unreachable("blocked")})
    [blocked, _other] = await queue(db, clock, [1, 2])
    await sender(db, clock, transport).drain()
    await queue_more(db, clock, blocked)
    await sender(db, clock, transport).drain()
    async with db.transaction() as session:
        since = await session.scalar(
            select(Stakeholder.unreachable_since).where(Stakeholder.id == blocked)
        )
    assert since is not None and transport.calls.count("chat1") == 1
    assert (await statuses(db))["later:0"] == "unreachable"


async def queue_more(db: Database, clock: FakeClock, stakeholder_id: int) -> None:
    later = outbox.NewMessage("later:0", "reminder", stakeholder_id, "console", "chat1", "again")
    async with db.transaction() as session:
        await outbox.enqueue(session, [later], clock.now())


async def test_transient_errors_are_retried_with_backoff(db: Database) -> None:
    """Two timeouts then success: delivered on the third attempt, after growing waits."""
    clock = FakeClock()
    transport = RecordingTransport(
        clock, errors={"chat1": [TransientFailure("502"), TransientFailure("timeout")]}
    )
    await queue(db, clock, [1])
    send = sender(db, clock, transport, backoff_base=5)
    first = await send.drain()
    clock.advance(3)
    too_early = await send.drain()
    clock.advance(2)
    second = await send.drain()
    clock.advance(10)
    third = await send.drain()
    assert (first.retried, too_early.retried, second.retried, third.sent) == (1, 0, 1, 1)
    async with db.transaction() as session:
        attempts = await session.scalar(select(OutboxMessage.attempts))
    assert attempts == 3 and transport.texts_to("chat1") == ["m 0"]


async def test_transient_errors_give_up_after_max_attempts(db: Database) -> None:
    """A chat that always times out is tried max_attempts times, then marked failed."""
    clock = FakeClock()
    transport = RecordingTransport(clock, always={"chat1": TransientFailure("timeout")})
    await queue(db, clock, [1])
    send = sender(db, clock, transport, max_attempts=4, backoff_base=1, backoff_cap=60)
    for _ in range(10):
        await send.drain()
        clock.advance(120)
    assert transport.calls == ["chat1"] * 4 and (await statuses(db))["m:0"] == "failed"


async def test_permanent_failure_is_not_retried(db: Database) -> None:
    """A 400-like refusal marks the message failed after one try."""
    clock = FakeClock()
    transport = RecordingTransport(clock, always={"chat1": PermanentFailure("bad")})
    await queue(db, clock, [1, 2])
    report = await sender(db, clock, transport).drain()
    clock.advance(3600)
    await sender(db, clock, transport).drain()
    assert report.failed == 1 and transport.calls.count("chat1") == 1
    assert await statuses(db) == {"m:0": "failed", "m:1": "sent"}


async def test_unexpected_transport_error_is_retried(db: Database) -> None:
    """A bug in a transport counts as a transient failure, never as a crash of the sender."""
    clock = FakeClock()
    transport = RecordingTransport(clock, errors={"chat1": [KeyError("oops")]})
    await queue(db, clock, [1])
    send = sender(db, clock, transport)
    report = await send.drain()
    clock.advance(60)
    await send.drain()
    assert report.retried == 1 and transport.texts_to("chat1") == ["m 0"]


@pytest.mark.parametrize("rate", [5.0, 25.0])
def test_policy_backoff_doubles_up_to_the_cap(rate: float) -> None:
    """Backoff doubles per attempt and never passes the cap."""
    policy = SenderPolicy(rate_per_second=rate, backoff_base=5, backoff_cap=30)
    waits = [policy.backoff(n).total_seconds() for n in (1, 2, 3, 4, 5)]
    assert waits == [5, 10, 20, 30, 30] and policy.lease > dt.timedelta(0)


async def test_run_delivers_then_stops_when_cancelled(db: Database) -> None:
    """run() keeps delivering what is queued while it runs and ends cleanly on cancel."""
    clock = FakeClock()
    transport = RecordingTransport(clock)
    task = asyncio.create_task(sender(db, clock, transport, idle_poll=0.5).run())
    await queue(db, clock, [1, 2, 3])
    for _ in range(500):
        if len(transport.sent) == 3:
            break
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert sorted(s.text for s in transport.sent) == ["m 0", "m 1", "m 2"]


async def test_stakeholder_flagged_elsewhere_is_skipped(db: Database) -> None:
    """A stakeholder the engine marked unreachable (blocked update) is never sent to."""
    clock = FakeClock()
    transport = RecordingTransport(clock)
    [blocked, _other] = await queue(db, clock, [1, 2])
    async with db.transaction() as session:
        await session.execute(
            update(Stakeholder)
            .where(Stakeholder.id == blocked)
            .values(unreachable_since=clock.now())
        )
    report = await sender(db, clock, transport).drain()
    assert transport.calls == ["chat2"] and report.unreachable == 1
    assert await statuses(db) == {"m:0": "unreachable", "m:1": "sent"}


async def test_429_pauses_only_its_platform(db: Database) -> None:
    """A Slack 429 holds Slack messages for retry_after while console messages keep going."""
    clock = FakeClock()
    console = RecordingTransport(clock)
    slack = RecordingTransport(clock, platform="slack", errors={"chat1": [RateLimited(30)]})
    ids = await add_stakeholders(db, [stakeholder_row(n) for n in range(1, 5)])
    messages = [
        outbox.NewMessage(f"k{n}", "broadcast", ids[n - 1], platform, f"chat{n}", f"to {n}")
        for n, platform in ((1, "slack"), (2, "slack"), (3, "console"), (4, "console"))
    ]
    async with db.transaction() as session:
        await outbox.enqueue(session, messages, clock.now())
    transports = {"console": console, "slack": slack}
    report = await OutboxSender(db, transports, SenderPolicy(), clock).drain()  # type: ignore[arg-type]  # a test transport: send only
    assert report.sent == 4 and max(s.at for s in console.sent) < 1
    assert min(s.at for s in slack.sent) >= 30


async def test_a_sender_that_stalls_between_slices_still_sends_at_the_rate(db: Database) -> None:
    """Recording a slice and claiming the next take the sender a few ms each time: the slots
    it missed meanwhile are used at once, so 1,000/s stays 1,000/s, never more than a block
    ahead of the schedule."""
    clock = FakeClock()

    class Stalling(RecordingTransport):
        async def send(self, address, reply):  # type: ignore[no-untyped-def]  # the parent's
            await super().send(address, reply)
            if len(self.sent) % 16 == 0:
                clock.advance(0.005)  # as if the slice's outcomes took 5 ms to record

    transport = Stalling(clock)
    await queue(db, clock, list(range(320)))
    await sender(db, clock, transport, rate_per_second=1000).drain()
    times = [s.at for s in transport.sent]
    assert len(times) == 320
    assert times[-1] - times[0] <= 0.320 + 0.005  # without catching up: 0.42 s
    assert all(t >= n / 1000 - 0.016 - 1e-9 for n, t in enumerate(times))  # at most a block ahead
