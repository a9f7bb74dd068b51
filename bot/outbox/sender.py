"""The outbox sender: delivers queued broadcasts and reminders at a rate the platforms accept.

Each sender claims a small batch under a lease, sends one message at a time and records each
outcome in its own transaction right after the send. A sender killed mid-batch has therefore sent
at most one message it did not record (delivered again once its lease runs out), and the rest of
its batch is picked up by the next claim after the lease. Sending one at a time is what bounds the
duplicates; it also bounds throughput to 1 / (platform latency) per sender.

Limits (Telegram, 2026-11): about 30 messages/s overall and 1 message/s per chat. The global rate
(`BROADCAST_RATE_PER_SECOND`) and the per-chat spacing are enforced per sender process: with
several replicas, divide the rate among them. A 429 pauses only the platform that sent it.

Each message goes with its recipient's language and latest message time in the address: a
platform with a free-form window (WhatsApp's 24 hours) sends a template to anyone outside it,
and with no template in their language the message is closed as `no_template`, counted.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from typing import Protocol

from bot.core.delivery import (
    NoTemplate,
    OutsideWindow,
    PermanentFailure,
    RateLimited,
    TransientFailure,
    Unreachable,
)
from bot.core.messages import Address, Reply
from bot.observability.metrics import record_rate_limit, record_send
from bot.transports.base import Transport
from storage import outbox
from storage.db import Database

log = logging.getLogger(__name__)

PER_CHAT_INTERVAL = 1.0  # seconds between two messages to one chat (Telegram's advice)
CHATS_REMEMBERED = 10_000  # past this many, chats free to receive again are forgotten


class Clock(Protocol):
    """Wall time for the database, monotonic time and sleep for pacing; tests inject a fake."""

    def now(self) -> dt.datetime: ...

    def monotonic(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(seconds, 0))


class RateLimiter:
    """Spaces acquisitions at least 1/rate seconds apart (no bursts: platforms count per second)."""

    def __init__(self, rate: float, clock: Clock) -> None:
        self.interval = 1.0 / rate
        self.clock = clock
        self._next = float("-inf")

    async def acquire(self) -> None:
        now = self.clock.monotonic()
        slot = max(now, self._next)
        if slot > now:
            await self.clock.sleep(slot - now)
        self._next = slot + self.interval


@dataclass(frozen=True)
class SenderPolicy:
    """How hard a sender tries; the defaults suit Telegram and Slack."""

    rate_per_second: float = 25.0
    per_chat_interval: float = PER_CHAT_INTERVAL
    batch_size: int = 50
    lease: dt.timedelta = dt.timedelta(seconds=120)
    max_attempts: int = 5
    backoff_base: float = 5.0  # seconds before the first retry, doubling each attempt
    backoff_cap: float = 900.0
    idle_poll: float = 2.0  # seconds between looks at an empty outbox in run()

    def backoff(self, attempts: int) -> dt.timedelta:
        seconds = min(self.backoff_base * 2 ** max(attempts - 1, 0), self.backoff_cap)
        return dt.timedelta(seconds=seconds)


@dataclass
class DrainReport:
    """What one drain did, for the CLI and tests."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    unreachable: int = 0
    deferred: int = 0
    no_template: int = 0


class OutboxSender:
    """Claims due messages and delivers them through the transport of their platform."""

    def __init__(
        self,
        database: Database,
        transports: Mapping[str, Transport],
        policy: SenderPolicy | None = None,
        clock: Clock | None = None,
        owner: str | None = None,
        *,
        rate_per_second: float | None = None,
    ) -> None:
        self.database = database
        self.transports = dict(transports)
        self.policy = policy or SenderPolicy()
        if rate_per_second is not None:  # BROADCAST_RATE_PER_SECOND
            self.policy = replace(self.policy, rate_per_second=rate_per_second)
        self.clock = clock or SystemClock()
        self.owner = owner or f"sender-{uuid.uuid4().hex[:12]}"
        self.limiter = RateLimiter(self.policy.rate_per_second, self.clock)
        self._chat_ready: dict[tuple[str, str], float] = {}
        self._paused: dict[str, float] = {}  # platform -> monotonic time its 429 pause ends

    async def run(self) -> None:
        """Deliver until cancelled, resting while nothing is due."""
        while True:
            try:
                await self.drain()
                wait = await self._idle_wait()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database went away for a moment: log and try again
                log.exception("outbox sender %s: drain failed; retrying", self.owner)
                wait = self.policy.idle_poll
            await self.clock.sleep(wait)

    async def drain(self) -> DrainReport:
        """Send until nothing is due within a per-chat interval and no 429 pause is running.

        Retries waiting out their backoff stay queued for the next drain.
        """
        report = DrainReport()
        while True:
            batch = await self._claim()
            if batch:
                await self._send_batch(batch, report)
                continue
            wait = await self._wait_for_next()
            if wait is None:
                return report
            await self.clock.sleep(wait)

    def _platforms(self) -> list[str]:
        """The platforms this sender serves that are not waiting out a 429."""
        now = self.clock.monotonic()
        return [p for p in self.transports if self._paused.get(p, float("-inf")) <= now]

    async def _wait_for_next(self) -> float | None:
        """Seconds to wait for the next due message or the end of a 429 pause; None: done."""
        now = self.clock.monotonic()
        pauses = [until - now for until in self._paused.values() if until > now]
        async with self.database.transaction() as session:
            due = await outbox.next_due(session, self._platforms())
        waits = [*pauses]
        if due is not None:
            wait = (due - self.clock.now()).total_seconds()
            if wait <= self.policy.per_chat_interval:
                waits.append(max(wait, 0.0))
        return min(waits) if waits else None

    async def _idle_wait(self) -> float:
        async with self.database.transaction() as session:
            due = await outbox.next_due(session, self._platforms())
        if due is None:
            return self.policy.idle_poll
        wait = (due - self.clock.now()).total_seconds()
        return min(max(wait, 0.05), self.policy.idle_poll)

    async def _claim(self) -> list[outbox.Claimed]:
        async with self.database.transaction() as session:
            return await outbox.claim(
                session,
                self.owner,
                self.clock.now(),
                self.policy.lease,
                self._batch_size(),
                self._platforms(),
            )

    def _batch_size(self) -> int:
        """A batch sent within a quarter of the lease at the set rate, so none outlives it."""
        budget = int(self.policy.rate_per_second * self.policy.lease.total_seconds() / 4)
        return max(1, min(self.policy.batch_size, budget))

    async def _send_batch(self, batch: list[outbox.Claimed], report: DrainReport) -> None:
        async with self.database.transaction() as session:
            unreachable = await outbox.unreachable_among(session, {m.stakeholder_id for m in batch})
        held: list[outbox.Claimed] = []  # their platform asked to wait (429) meanwhile
        for message in batch:
            if self._paused_for(message.platform) > 0:
                held.append(message)
            elif message.stakeholder_id in unreachable:
                await self._record(outbox.skip_unreachable, message.id, self.owner)
                record_send(message.platform, message.kind, "skipped")
                report.unreachable += 1
            elif (wait := self._chat_wait(message)) > 0:
                await self._release([message], wait)
                report.deferred += 1
            else:
                await self._deliver(message, report, unreachable)
        for platform in {message.platform for message in held}:
            same = [message for message in held if message.platform == platform]
            await self._release(same, self._paused_for(platform))

    def _paused_for(self, platform: str) -> float:
        return max(self._paused.get(platform, float("-inf")) - self.clock.monotonic(), 0.0)

    def _remember_chat(self, chat: tuple[str, str]) -> None:
        """Note when this chat may be sent to again; forget chats whose wait is long over."""
        now = self.clock.monotonic()
        if len(self._chat_ready) >= CHATS_REMEMBERED:
            self._chat_ready = {c: ready for c, ready in self._chat_ready.items() if ready > now}
        self._chat_ready[chat] = now + self.policy.per_chat_interval

    def _chat_wait(self, message: outbox.Claimed) -> float:
        """Seconds until this chat may get another message (0 when it may now)."""
        ready = self._chat_ready.get((message.platform, message.chat_id), float("-inf"))
        return max(ready - self.clock.monotonic(), 0.0)

    async def _deliver(
        self, message: outbox.Claimed, report: DrainReport, unreachable: set[int]
    ) -> None:
        """Send one message and record the outcome."""
        await self.limiter.acquire()
        chat = (message.platform, message.chat_id)
        self._remember_chat(chat)
        try:
            await self._send(message)
        except RateLimited as error:
            record_send(message.platform, message.kind, "rate_limited")
            await self._rate_limited(message, error)
        except Unreachable:
            await self._record(
                outbox.mark_unreachable,
                message.id,
                self.owner,
                message.stakeholder_id,
                self.clock.now(),
            )
            unreachable.add(message.stakeholder_id)
            record_send(message.platform, message.kind, "unreachable")
            report.unreachable += 1
        except NoTemplate as error:
            await self._record(outbox.mark_no_template, message.id, self.owner, str(error))
            record_send(message.platform, message.kind, "no_template")
            report.no_template += 1
        except OutsideWindow:
            await self._record(
                outbox.reopen_window_closed,
                message.id,
                self.owner,
                message.stakeholder_id,
                self.clock.now(),
            )
            record_send(message.platform, message.kind, "outside_window")
            report.retried += 1
        except PermanentFailure as error:
            log.warning("outbox %s: permanent failure: %s", message.key, error)
            await self._record(outbox.mark_failed, message.id, self.owner, str(error))
            record_send(message.platform, message.kind, "failed")
            report.failed += 1
        except (TransientFailure, Exception) as error:  # a bug in a transport is retried too
            if not isinstance(error, TransientFailure):
                log.exception("outbox %s: unexpected error from the transport", message.key)
            await self._retry_or_give_up(message, str(error) or type(error).__name__, report)
        else:
            await self._record(outbox.mark_sent, message.id, self.owner, self.clock.now())
            record_send(message.platform, message.kind, "sent")
            report.sent += 1

    async def _send(self, message: outbox.Claimed) -> None:
        """The reply's key is the outbox key, so a platform that reports delivery later (a
        WhatsApp status) can name the message it reports on."""
        address = Address(
            message.platform, message.chat_id, message.language, message.last_inbound_at
        )
        await self.transports[message.platform].send(address, Reply(message.text, key=message.key))

    async def _rate_limited(self, message: outbox.Claimed, error: RateLimited) -> None:
        """Hold every send to this platform for retry_after; the message goes back untried."""
        pause = max(float(error.retry_after), 0.0)
        log.warning("outbox: platform %s asks to wait %.1fs", message.platform, pause)
        record_rate_limit(message.platform, pause)
        self._paused[message.platform] = self.clock.monotonic() + pause
        await self._release([message], pause)

    async def _retry_or_give_up(
        self, message: outbox.Claimed, error: str, report: DrainReport
    ) -> None:
        if message.attempts >= self.policy.max_attempts:
            log.warning("outbox %s: giving up after %d attempts", message.key, message.attempts)
            await self._record(outbox.mark_failed, message.id, self.owner, error)
            record_send(message.platform, message.kind, "failed")
            report.failed += 1
            return
        later = self.clock.now() + self.policy.backoff(message.attempts)
        await self._record(outbox.mark_retry, message.id, self.owner, later, error)
        record_send(message.platform, message.kind, "retry")
        report.retried += 1

    async def _release(self, messages: list[outbox.Claimed], wait: float) -> None:
        """Put claimed, untried messages back in the queue for `wait` seconds from now."""
        later = self.clock.now() + dt.timedelta(seconds=wait)
        async with self.database.transaction() as session:
            await outbox.release(session, [m.id for m in messages], self.owner, later)

    async def _record(self, query: Callable[..., Awaitable[object]], *args: object) -> None:
        async with self.database.transaction() as session:
            await query(session, *args)
