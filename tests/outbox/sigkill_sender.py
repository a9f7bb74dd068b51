"""A sender process for the crash test: delivers to a file, fsyncing each line before returning.

Run as `python -m tests.outbox.sigkill_sender DATABASE_URL OUT_FILE`; it drains until nothing is
pending, waiting out the short lease of a sender killed before it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import sys

from bot.core.messages import Address, Reply
from bot.outbox.sender import OutboxSender, SenderPolicy
from storage import outbox
from storage.db import Database

LEASE_SECONDS = 1.0


class FileTransport:
    """Appends `chat_id text` per delivery and forces it to disk, so a kill loses no record."""

    platform = "console"

    def __init__(self, path: str) -> None:
        self.handle = open(path, "a", encoding="utf-8")  # noqa: SIM115 - lives with the process

    async def run(self, dispatch: object) -> None:
        raise NotImplementedError

    async def send(self, address: Address, reply: Reply) -> None:
        self.handle.write(f"{address.chat_id} {reply.text}\n")
        self.handle.flush()
        os.fsync(self.handle.fileno())


IN_FLIGHT = 8  # sends in flight at once: the most one kill may send twice


async def main(url: str, out: str) -> None:
    database = Database(url)
    policy = SenderPolicy(
        rate_per_second=1000,
        batch_size=20,
        concurrency=IN_FLIGHT,
        lease=dt.timedelta(seconds=LEASE_SECONDS),
    )
    sender = OutboxSender(database, {"console": FileTransport(out)}, policy)
    while True:
        await sender.drain()
        async with database.transaction() as session:
            if not await outbox.pending(session):
                break
        await asyncio.sleep(0.1)
    await database.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
