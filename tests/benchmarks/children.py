"""What the benchmarks run in child processes: `python -m tests.benchmarks.children KIND ...`.

Each prints one JSON line of figures last (CPU of the measured part, wall time, peak memory), so
the imports and the set-up of a child are never counted.
"""

from __future__ import annotations

import asyncio
import gc
import json
import sys
import time
from pathlib import Path

import uvloop

from tests.benchmarks.measure import self_usage


async def engine_alone(url: str, directory: str, users: int) -> dict[str, float]:
    """The walk of `users` stakeholders (tests/benchmarks/stakeholder.py) into Engine.handle."""
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
        async def deliver(self, inbound):  # type: ignore[no-untyped-def]  # mirrors the Dialog method
            nonlocal counted
            counted += 1
            return await super().deliver(inbound)

    await walk(Counted(engine, user_id="warm-up"), pack, 0)  # imports and caches, not counted
    gc.freeze()  # as `consultbot run` does once started (bot/app.py)
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
        _env_file=None,  # type: ignore[call-arg]  # pydantic-settings init-only option
        database_url=url,
        telegram_bot_token=token,
        telegram_api_base_url=base_url,
        broadcast_rate_per_second=rate,
    )
    database = Database(url)
    transport = TelegramTransport(settings, AttachmentStore("attachments"))
    await transport.connect()
    sender = OutboxSender(database, {"telegram": transport}, rate_per_second=rate)
    cpu, start = time.process_time(), time.perf_counter()
    report = await sender.drain()
    figures = {"cpu": time.process_time() - cpu, "wall": time.perf_counter() - start}
    await transport.stop()
    await database.dispose()
    return figures | {"sent": report.sent, "retried": report.retried, "failed": report.failed}


def rss_mb() -> float:
    """Resident memory now, in MB, so a figure can say what the export added."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def export(url: str, format: str, out: str, language: str) -> dict[str, float]:
    """One export to a file, as `consultbot export` writes it (without the progress bar)."""
    from bot.export import ExportFilters
    from bot.export.build import ExportRequest, make_source, write_export
    from bot.pack import load_pack
    from storage.db import Database

    database = Database(url)
    request = ExportRequest(format, ExportFilters(), language=language)
    source = make_source(database, load_pack("lac-2025"), request)
    before = rss_mb()
    cpu, start = time.process_time(), time.perf_counter()
    with open(out, "wb") as sink:
        await write_export(source, format, sink)
    figures = {"cpu": time.process_time() - cpu, "wall": time.perf_counter() - start}
    await database.dispose()
    return figures | {"rss_before_mb": before, "bytes": Path(out).stat().st_size}


def pandas_export(path: str, format: str, out: str) -> dict[str, float]:
    """The reference: the same answers query read by pandas, written by to_csv or to_excel."""
    import sqlite3

    import pandas
    from sqlalchemy.dialects import sqlite

    from bot.export import ExportFilters
    from storage.exports import answers_statement

    query = answers_statement(ExportFilters()).compile(
        dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}
    )
    before = rss_mb()
    cpu, start = time.process_time(), time.perf_counter()
    with sqlite3.connect(path) as connection:
        frame = pandas.read_sql_query(str(query), connection)
    if format == "csv":
        frame.to_csv(out, index=False)
    else:
        frame.to_excel(out, index=False)
    figures = {"cpu": time.process_time() - cpu, "wall": time.perf_counter() - start}
    size = Path(out).stat().st_size
    return figures | {"rss_before_mb": before, "bytes": size, "rows": len(frame)}


def main(kind: str, *args: str) -> None:
    if kind == "engine":  # on uvloop, as `consultbot run` runs the engine (bot/commands/cli.py)
        figures = uvloop.run(engine_alone(args[0], args[1], int(args[2])))
    elif kind == "broadcast":
        figures = asyncio.run(broadcast(args[0], args[1], args[2], float(args[3])))
    elif kind == "export":
        figures = asyncio.run(export(args[0], args[1], args[2], args[3]))
    elif kind == "pandas":
        figures = pandas_export(args[0], args[1], args[2])
    else:
        raise SystemExit(f"unknown kind {kind}")
    print(json.dumps(self_usage() | figures))


if __name__ == "__main__":
    main(*sys.argv[1:])
