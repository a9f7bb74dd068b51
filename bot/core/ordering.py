"""One stakeholder's updates one at a time, in arrival order: the only place that orders them.

Transports enter `ordered(key)` as soon as an update arrives, before any slow work (a file
download), and the engine enters it again to handle the update; the second entry by the same
task passes straight through.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field


@dataclass
class _Turn:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    owner: asyncio.Task[object] | None = None
    waiting: int = 0


class Sequencer:
    """A FIFO lock per key, forgotten when no one holds or waits for it."""

    def __init__(self) -> None:
        self._turns: dict[Hashable, _Turn] = {}

    @asynccontextmanager
    async def ordered(self, key: Hashable) -> AsyncIterator[None]:
        task = asyncio.current_task()
        turn = self._turns.get(key)
        if turn is not None and turn.owner is task:
            yield  # already ours: the engine inside a transport's turn
            return
        turn = self._turns.setdefault(key, _Turn())
        turn.waiting += 1
        try:
            async with turn.lock:
                turn.owner = task
                try:
                    yield
                finally:
                    turn.owner = None
        finally:
            turn.waiting -= 1
            if not turn.waiting:
                del self._turns[key]
