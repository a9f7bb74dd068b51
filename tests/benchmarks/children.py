"""What the benchmarks run in child processes: `python -m tests.benchmarks.children KIND ...`.

Each prints one JSON line of figures last (CPU of the measured part, wall time, peak memory), so
the imports and the set-up of a child are never counted.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

from tests.benchmarks.measure import self_usage


async def engine_alone(url: str, directory: str, users: int) -> dict[str, float]:
    """The 23-update walk of `users` stakeholders straight into Engine.handle, one by one."""
    from bot.pack import load_pack
    from storage.db import Database
    from tests.benchmarks.stakeholder import walk
    from tests.dialog import Dialog, make_engine

    database = Database(url)
    await database.upgrade()
    pack = load_pack("lac-2025")
    engine = make_engine(database, pack, Path(directory))
    counted = 0

    class Counted(Dialog):
        async def deliver(self, inbound):  # type: ignore[no-untyped-def]
            nonlocal counted
            counted += 1
            return await super().deliver(inbound)

    await walk(Counted(engine, user_id="warm-up"), pack, 0)  # imports and caches, not counted
    counted = 0
    cpu, start = time.process_time(), time.perf_counter()
    for number in range(users):
        await walk(Counted(engine, user_id=f"bench-{number}"), pack, number)
    figures = {"cpu": time.process_time() - cpu, "wall": time.perf_counter() - start}
    await database.dispose()
    return figures | {"updates": counted}


async def broadcast(url: str, token: str, base_url: str, rate: float) -> dict[str, float]:
    """Drain the queued broadcast through the real Telegram transport at `rate` msg/s."""
    from bot.core.attachments import AttachmentStore
    from bot.core.settings import Settings
    from bot.outbox.sender import OutboxSender
    from bot.transports.telegram.transport import TelegramTransport
    from storage.db import Database

    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=url,
        telegram_bot_token=token,
        telegram_api_base_url=base_url,
        broadcast_rate_per_second=rate,
    )
    database = Database(url)
    transport = TelegramTransport(settings, AttachmentStore("attachments"))
    await transport.start()
    sender = OutboxSender(database, {"telegram": transport}, rate_per_second=rate)
    cpu, start = time.process_time(), time.perf_counter()
    report = await sender.drain()
    figures = {"cpu": time.process_time() - cpu, "wall": time.perf_counter() - start}
    await transport.close()
    await database.dispose()
    return figures | {"sent": report.sent, "retried": report.retried, "failed": report.failed}


def main(kind: str, *args: str) -> None:
    if kind == "engine":
        figures = asyncio.run(engine_alone(args[0], args[1], int(args[2])))
    elif kind == "broadcast":
        figures = asyncio.run(broadcast(args[0], args[1], args[2], float(args[3])))
    else:
        raise SystemExit(f"unknown kind {kind}")
    print(json.dumps(figures | self_usage() | {"cpu": figures["cpu"]}))


if __name__ == "__main__":
    main(*sys.argv[1:])
