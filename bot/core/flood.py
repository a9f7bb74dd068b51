"""Flood control: one person's messages beyond a human pace are set aside, with one notice.

A token bucket per sender: BURST messages at once (a long paste that a client splits, a quick
series of taps), then PER_SECOND. What comes faster is not handled: the person is told once
(at most every NOTICE_EVERY seconds) to slow down and send again, and everyone else goes on at
full speed. It lives in memory: a flood is a matter of seconds, and a restart forgets it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from enum import Enum

BURST = 30
PER_SECOND = 1.0
NOTICE_EVERY = 60.0
MAX_SENDERS = 50_000  # buckets kept before the idle ones are forgotten


class Verdict(Enum):
    ADMIT = "admit"
    NOTICE = "notice"  # set aside, and tell the sender
    DROP = "drop"  # set aside; the sender was told a moment ago


@dataclass
class _Bucket:
    tokens: float
    at: float
    noticed: float | None = None


class FloodGate:
    """Decide, per sender, whether an update arrives at a pace a person can keep."""

    def __init__(
        self,
        burst: int = BURST,
        per_second: float = PER_SECOND,
        notice_every: float = NOTICE_EVERY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.burst = burst
        self.per_second = per_second
        self.notice_every = notice_every
        self.clock = clock
        self._buckets: dict[Hashable, _Bucket] = {}

    def check(self, sender: Hashable) -> Verdict:
        now = self.clock()
        bucket = self._buckets.get(sender)
        if bucket is None:
            self._forget_idle(now)
            bucket = self._buckets[sender] = _Bucket(float(self.burst), now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self.per_second)
        bucket.at = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return Verdict.ADMIT
        if bucket.noticed is not None and now - bucket.noticed < self.notice_every:
            return Verdict.DROP
        bucket.noticed = now
        return Verdict.NOTICE

    def _forget_idle(self, now: float) -> None:
        """Forget senders whose bucket has refilled; they would start full anyway."""
        if len(self._buckets) < MAX_SENDERS:
            return
        full = self.burst / self.per_second
        for sender, bucket in list(self._buckets.items()):
            if now - bucket.at >= max(full, self.notice_every):
                del self._buckets[sender]
