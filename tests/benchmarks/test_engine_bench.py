"""Updates per second through the engine: registrations and a whole session on SQLite.

Run with `make bench`. Each round registers fresh stakeholders and walks session 1 (about 20
updates each), so the figure covers the full path: dedupe mark, state, answers, one commit.
A round also migrates its new database file (under a second), so the figure is a floor.
"""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

from bot.pack import load_pack
from storage.db import Database
from tests.dialog import Dialog, answer_current, make_engine, register

STAKEHOLDERS = 10
_rounds = itertools.count()


async def _consultation(directory: Path) -> int:
    directory.mkdir(parents=True)
    database = Database(f"sqlite+aiosqlite:///{directory / 'bench.db'}")
    await database.upgrade()
    engine = make_engine(database, load_pack("lac-2025"), directory)
    updates = 0
    try:
        for number in range(STAKEHOLDERS):
            dialog = Dialog(engine, user_id=f"bench-{next(_rounds)}-{number}")
            await register(dialog)
            await dialog.command("/consult inclusion")
            for _ in range(6):
                await answer_current(dialog)
            updates += 9 + 1 + 12
    finally:
        await database.dispose()
    return updates


def test_engine_updates_per_second(benchmark, tmp_path: Path) -> None:
    """Registration plus session 1 for ten stakeholders, one after another."""
    updates = benchmark.pedantic(
        lambda: asyncio.run(_consultation(tmp_path / f"r{next(_rounds)}")),
        setup=None,
        rounds=3,
        iterations=1,
    )
    benchmark.extra_info["updates"] = updates
    benchmark.extra_info["updates_per_second"] = round(updates / benchmark.stats.stats.mean, 1)
    assert updates == STAKEHOLDERS * 22
