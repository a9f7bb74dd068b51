"""When a platform's next message may go: one rate and one 429 pause shared by every sender.

A sender reserves its send times in small blocks from the database (storage/pace.py), so two
replicas never send in the same slot and their sum stays within the rate; a 429 seen by one is
written there too, and the next reservation of every other waits it out.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections import deque
from typing import Protocol

from storage import pace
from storage.db import Database


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


class Pacer:
    """One platform's send times for one sender, reserved `block` at a time.

    Reserved times are wall-clock (shared between processes); this sender keeps them on its
    monotonic clock. A send that started late does not push the next ones back: the schedule
    catches up, using slots up to one block old (its own, or ones no sender took), so a stall
    of the sender (a slice recorded, a claim) costs no rate, and no second carries more than
    the rate plus one block.
    """

    SLACK = 0.0005  # seconds: closer than this to a send time, go without sleeping
    CATCH_UP_CAP = 0.02  # seconds: a slow rate's unused slots are not saved up into a burst

    def __init__(
        self, database: Database, platform: str, rate: float, clock: Clock, block: int = 16
    ) -> None:
        self.database = database
        self.platform = platform
        self.interval = 1.0 / rate
        self.clock = clock
        self.block = block
        # How late an unused slot may still be used: a block at 1,000/s (16 ms), one slot at 25/s.
        self.catch_up = max(self.interval, min(block * self.interval, self.CATCH_UP_CAP))
        self._slots: deque[float] = deque()  # this sender's send times, monotonic
        self._next = float("-inf")  # where the last reserved block ended, monotonic
        self._paused_until = 0.0  # wall clock

    def _now(self) -> float:
        return self.clock.now().timestamp()

    def paused_for(self) -> float:
        """Seconds left of a 429 pause this sender knows of (0 when none)."""
        return max(self._paused_until - self._now(), 0.0)

    async def turn(self) -> bool:
        """Sleep until this sender's next send time; False if a pause began meanwhile."""
        now = self.clock.monotonic()
        while self._slots and self._slots[0] < now - self.catch_up:
            self._slots.popleft()  # reserved long ago and unused: let them go
        if not self._slots:
            await self._reserve()
        wait = self._slots.popleft() - self.clock.monotonic()
        if wait > self.SLACK:
            await self.clock.sleep(wait)
        return self.paused_for() == 0

    async def _reserve(self) -> None:
        now, monotonic = self._now(), self.clock.monotonic()
        async with self.database.transaction() as session:
            start, paused_until = await pace.reserve(
                session, self.platform, self.block, self.interval, now, self.catch_up
            )
        self._paused_until = max(self._paused_until, paused_until)
        first = monotonic + (start - now)
        if abs(first - self._next) < 0.001:  # this sender's own next block: keep it exact
            first = self._next
        self._slots = deque(first + n * self.interval for n in range(self.block))
        self._next = first + self.block * self.interval

    async def pause(self, seconds: float) -> None:
        """The platform asked to wait: every sender holds until then, this one at once."""
        until = self._now() + max(seconds, 0.0)
        self._paused_until = max(self._paused_until, until)
        self._slots.clear()
        async with self.database.transaction() as session:
            await pace.pause(session, self.platform, until)
