"""The outbox sender: delivers queued broadcasts and reminders at a rate the platforms accept.

Each sender claims a batch under a lease and sends it a slice at a time: up to `concurrency`
messages in flight, each started at a send time reserved from the database (bot/outbox/pacing),
then the slice's outcomes recorded in one transaction. A sender killed mid-slice has sent at
most `concurrency` messages it did not record: they go again once its lease runs out, and the
rest of its batch is picked up by the next claim after the lease.

Limits hold for every sender and replica together: the rate (BROADCAST_RATE_PER_SECOND, per
platform) and a 429 pause are shared in the database; a chat another sender wrote to within the
platform's per-chat interval (`Transport.limits`) is not claimed. A 429 pauses only the
platform that sent it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace

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
from bot.outbox.pacing import Clock, Pacer, SystemClock
from bot.transports.base import Transport
from storage import outbox
from storage.db import Database

log = logging.getLogger(__name__)
__all__ = ["Clock", "DrainReport", "OutboxSender", "SenderPolicy", "SystemClock"]

PER_CHAT_INTERVAL = 1.0  # seconds between two messages to one chat where a transport says none
CHATS_REMEMBERED = 10_000  # past this many, chats free to receive again are forgotten


@dataclass(frozen=True)
class SenderPolicy:
    """How hard a sender tries; the defaults suit Telegram and Slack."""

    rate_per_second: float = 25.0
    per_chat_interval: float = PER_CHAT_INTERVAL
    batch_size: int = 100
    concurrency: int = 16  # messages in flight at once; also the most a kill can duplicate
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


Record = Callable[..., Awaitable[object]]


@dataclass
class Slice:
    """The outcomes of the messages in flight, recorded together when they have all settled."""

    sent: list[int]
    records: list[tuple[Record, tuple[object, ...]]]
    held: list[tuple[outbox.Claimed, float]]  # untried, back in the queue for that many seconds

    @classmethod
    def empty(cls) -> Slice:
        return cls([], [], [])


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
        block = max(1, min(self.policy.concurrency, 16))
        self.pacers = {
            platform: Pacer(database, platform, self._rate(platform), self.clock, block)
            for platform in self.transports
        }
        self._chat_ready: dict[tuple[str, str], float] = {}

    def _rate(self, platform: str) -> float:
        """The operator's rate (BROADCAST_RATE_PER_SECOND), for each platform: it may exceed a
        platform's usual limit on purpose (Telegram's paid broadcasts allow 1,000 a second)."""
        return self.policy.rate_per_second

    def _chat_gap(self, platform: str) -> float:
        limits = getattr(self.transports[platform], "limits", None)
        return limits.per_chat_interval if limits is not None else self.policy.per_chat_interval

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
            claimed_at = self.clock.monotonic()
            batch = await self._claim()
            if batch:
                await self._send_batch(batch, report, claimed_at)
                continue
            wait = await self._wait_for_next()
            if wait is None:
                return report
            await self.clock.sleep(wait)

    def _platforms(self) -> list[str]:
        """The platforms this sender serves that are not waiting out a 429."""
        return [p for p, pacer in self.pacers.items() if not pacer.paused_for()]

    async def _wait_for_next(self) -> float | None:
        """Seconds to wait for the next due message or the end of a 429 pause; None: done.

        A message due now that no claim took waits for its chat's turn (another one to that
        chat went out, or is out, within the chat's interval).
        """
        pauses = [p.paused_for() for p in self.pacers.values() if p.paused_for()]
        async with self.database.transaction() as session:
            due = await outbox.next_due(session, self._platforms())
        waits = [*pauses]
        if due is not None:
            wait = (due - self.clock.now()).total_seconds()
            gap = max((self._chat_gap(p) for p in self._platforms()), default=0.0)
            if wait <= gap:
                waits.append(max(wait, min(gap, 0.05)))
        return min(waits) if waits else None

    async def _idle_wait(self) -> float:
        async with self.database.transaction() as session:
            due = await outbox.next_due(session, self._platforms())
        if due is None:
            return self.policy.idle_poll
        wait = (due - self.clock.now()).total_seconds()
        return min(max(wait, 0.05), self.policy.idle_poll)

    async def _claim(self) -> list[outbox.Claimed]:
        batch: list[outbox.Claimed] = []
        for platform in self._platforms():
            async with self.database.transaction() as session:
                batch += await outbox.claim(
                    session,
                    self.owner,
                    self.clock.now(),
                    self.policy.lease,
                    self._batch_size(platform),
                    [platform],
                    dt.timedelta(seconds=self._chat_gap(platform)),
                )
        return batch

    def _batch_size(self, platform: str) -> int:
        """A batch sent within a quarter of the lease at the rate, so none outlives it."""
        budget = int(self._rate(platform) * self.policy.lease.total_seconds() / 4)
        return max(1, min(self.policy.batch_size, budget))

    async def _send_batch(
        self, batch: list[outbox.Claimed], report: DrainReport, claimed_at: float
    ) -> None:
        """Send a claimed batch, never past 80 % of its lease: after that another sender may
        claim the same messages, so what is left goes back to the queue untried."""
        expires = claimed_at + 0.8 * self.policy.lease.total_seconds()
        async with self.database.transaction() as session:
            unreachable = await outbox.unreachable_among(session, {m.stakeholder_id for m in batch})
        done = Slice.empty()
        flying: list[tuple[outbox.Claimed, asyncio.Task[Exception | None]]] = []
        for message in batch:
            pacer = self.pacers[message.platform]
            if pacer.paused_for():
                done.held.append((message, pacer.paused_for()))
            elif message.stakeholder_id in unreachable:
                done.records.append((outbox.skip_unreachable, (message.id, self.owner)))
                record_send(message.platform, message.kind, "skipped")
                report.unreachable += 1
            elif (wait := self._chat_wait(message)) > 0:
                done.held.append((message, wait))
                report.deferred += 1
            elif self.clock.monotonic() > expires:
                done.held.append((message, 0.0))
            elif not await pacer.turn():
                done.held.append((message, pacer.paused_for()))
            elif self.clock.monotonic() > expires:  # the wait for its turn ran the lease out
                done.held.append((message, 0.0))
            else:
                self._remember_chat(message)
                flying.append((message, asyncio.create_task(self._attempt(message))))
                await asyncio.sleep(0)  # the send starts now, in its slot, not at the next wait
                if len(flying) >= self.policy.concurrency:
                    await self._settle(flying, done, report, unreachable)
                    done, flying = Slice.empty(), []
        await self._settle(flying, done, report, unreachable)

    async def _attempt(self, message: outbox.Claimed) -> Exception | None:
        """Send one message; its refusal, if any, is returned to be recorded with the slice.

        The reply's key is the outbox key, so a platform that reports delivery later (a
        WhatsApp status) can name the message it reports on.
        """
        address = Address(
            message.platform, message.chat_id, message.language, message.last_inbound_at
        )
        reply = Reply(message.text, key=message.key)
        try:
            await self.transports[message.platform].send(address, reply)
        except RateLimited as error:  # pause at once: no more sends start meanwhile
            await self.pacers[message.platform].pause(max(float(error.retry_after), 0.0))
            return error
        except Exception as error:  # every refusal, and a bug in a transport, is an outcome
            return error
        return None

    async def _settle(
        self,
        flying: list[tuple[outbox.Claimed, asyncio.Task[Exception | None]]],
        done: Slice,
        report: DrainReport,
        unreachable: set[int],
    ) -> None:
        """Wait for the slice's sends, then record every outcome in one transaction."""
        for message, task in flying:
            await self._outcome(message, await task, done, report, unreachable)
        now = self.clock.now()
        async with self.database.transaction() as session:
            await outbox.mark_sent_many(session, done.sent, self.owner, now)
            for query, args in done.records:
                await query(session, *args)
            for message, wait in done.held:
                later = now + dt.timedelta(seconds=wait)
                await outbox.release(session, [message.id], self.owner, later)

    async def _outcome(
        self,
        message: outbox.Claimed,
        error: Exception | None,
        done: Slice,
        report: DrainReport,
        unreachable: set[int],
    ) -> None:
        """Sort one send's result into the slice's records."""
        platform, kind, now = message.platform, message.kind, self.clock.now()
        if error is None:
            done.sent.append(message.id)
            record_send(platform, kind, "sent")
            report.sent += 1
        elif isinstance(error, RateLimited):
            pause = max(float(error.retry_after), 0.0)
            log.warning("outbox: platform %s asks to wait %.1fs", platform, pause)
            record_send(platform, kind, "rate_limited")
            record_rate_limit(platform, pause)
            done.held.append((message, pause))  # the pause itself began in _attempt
        elif isinstance(error, Unreachable):
            args = (message.id, self.owner, message.stakeholder_id, now)
            done.records.append((outbox.mark_unreachable, args))
            unreachable.add(message.stakeholder_id)
            record_send(platform, kind, "unreachable")
            report.unreachable += 1
        elif isinstance(error, NoTemplate):
            done.records.append((outbox.mark_no_template, (message.id, self.owner, str(error))))
            record_send(platform, kind, "no_template")
            report.no_template += 1
        elif isinstance(error, OutsideWindow):
            args = (message.id, self.owner, message.stakeholder_id, now)
            done.records.append((outbox.reopen_window_closed, args))
            record_send(platform, kind, "outside_window")
            report.retried += 1
        elif isinstance(error, PermanentFailure):
            log.warning("outbox %s: permanent failure: %s", message.key, error)
            done.records.append((outbox.mark_failed, (message.id, self.owner, str(error))))
            record_send(platform, kind, "failed")
            report.failed += 1
        else:  # TransientFailure, or a bug in a transport: retried too
            if not isinstance(error, TransientFailure):
                log.error(
                    "outbox %s: unexpected error from the transport", message.key, exc_info=error
                )
            self._retry_or_give_up(message, str(error) or type(error).__name__, done, report)

    def _retry_or_give_up(
        self, message: outbox.Claimed, error: str, done: Slice, report: DrainReport
    ) -> None:
        if message.attempts >= self.policy.max_attempts:
            log.warning("outbox %s: giving up after %d attempts", message.key, message.attempts)
            done.records.append((outbox.mark_failed, (message.id, self.owner, error)))
            record_send(message.platform, message.kind, "failed")
            report.failed += 1
            return
        later = self.clock.now() + self.policy.backoff(message.attempts)
        done.records.append((outbox.mark_retry, (message.id, self.owner, later, error)))
        record_send(message.platform, message.kind, "retry")
        report.retried += 1

    def _remember_chat(self, message: outbox.Claimed) -> None:
        """Note when this chat may be sent to again; forget chats whose wait is long over."""
        now = self.clock.monotonic()
        if len(self._chat_ready) >= CHATS_REMEMBERED:
            self._chat_ready = {c: ready for c, ready in self._chat_ready.items() if ready > now}
        chat = (message.platform, message.chat_id)
        self._chat_ready[chat] = now + self._chat_gap(message.platform)

    def _chat_wait(self, message: outbox.Claimed) -> float:
        """Seconds until this chat may get another message (0 when it may now)."""
        ready = self._chat_ready.get((message.platform, message.chat_id), float("-inf"))
        return max(ready - self.clock.monotonic(), 0.0)
