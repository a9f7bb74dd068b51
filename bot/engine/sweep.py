"""Files in the attachment store that no stored answer refers to are deleted, after a while.

Two ways leave such a file: an erasure whose delete failed (the stakeholder was told their files
are gone, so they must go), and a file fetched for an update that was never committed. Every
replica sweeps its own store; deleting an orphan twice is harmless.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from pathlib import Path

from bot.core.attachments import AttachmentStore
from storage.db import Database
from storage.stakeholders import every_stored_path

log = logging.getLogger(__name__)
SWEEP_EVERY = 3600.0  # seconds between sweeps
MIN_AGE = 3600.0  # a younger file may belong to an update still being handled


class AttachmentSweeper:
    """Deletes the store's orphans older than `min_age`, every `every` seconds."""

    def __init__(
        self,
        database: Database,
        store: AttachmentStore,
        every: float = SWEEP_EVERY,
        min_age: float = MIN_AGE,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.database = database
        self.store = store
        self.every = every
        self.min_age = min_age
        self.clock = clock

    async def run(self) -> None:
        """Sweep until cancelled; a failed sweep is logged and tried again next time."""
        while True:
            try:
                await self.sweep()
            except Exception:
                log.exception("the attachment sweep failed")
            await asyncio.sleep(self.every)

    async def sweep(self) -> int:
        """Delete the orphans old enough; return how many went."""
        async with self.database.transaction() as session:
            kept = {_resolved(path) for path in await every_stored_path(session)}
        cutoff = self.clock() - self.min_age
        removed = 0
        for path in list(self.store.files()):
            if _resolved(path) in kept or path.stat().st_mtime > cutoff:
                continue
            if self.store.delete(path):
                removed += 1
        if removed:
            log.info("attachment sweep: %d files no answer refers to were deleted", removed)
        return removed


def _resolved(path: str | Path) -> Path:
    return Path(path).resolve()
