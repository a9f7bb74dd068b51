"""How long an XLSX export of many answers takes, and whether its memory stays flat.

Run with `make bench`; the figures land in pytest-benchmark's table and in `extra_info`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import tracemalloc
from pathlib import Path

import pytest
from sqlalchemy import insert

from bot.export import ExportFilters
from bot.export.build import ExportRequest, make_source, write_export
from storage.db import Database
from storage.models import Answer, Stakeholder
from tests.export.seed import make_pack

ANSWERS_PER_STAKEHOLDER = 10
WHEN = dt.datetime(2025, 1, 10, tzinfo=dt.UTC)
TEXT = "Acceso a servicios de salud y educación para la niñez migrante en tránsito. " * 4
SUBREGIONS = (("caribbean", "HT"), ("south", "CL"), (None, "US"))


def _stakeholders(count: int) -> list[dict]:
    return [
        {
            "id": n + 1,
            "platform": "telegram",
            "platform_user_id": str(n),
            "chat_id": str(n),
            "language": "es",
            "organization": f"Organización {n}",
            "category": "migrant_led",
            "subregion": SUBREGIONS[n % 3][0],
            "country": SUBREGIONS[n % 3][1],
            "email": f"p{n}@example.org",
            "consented_at": WHEN,
            "attribution_consent": n % 2 == 0,
            "created_at": WHEN,
            "updated_at": WHEN,
        }
        for n in range(count)
    ]


def _answers(stakeholders: int) -> list[dict]:
    keys = [("inclusion", "progress"), ("drivers", "challenges"), ("general", "recommendations")]
    return [
        {
            "stakeholder_id": person + 1,
            "session_key": keys[n % 3][0],
            "question_key": keys[n % 3][1],
            "value": {"text": f"{n}. {TEXT}"},
            "language": "es",
            "revision": n + 1,  # unique per stakeholder and question
            "current": True,
            "created_at": WHEN,
            "updated_at": WHEN,
        }
        for person in range(stakeholders)
        for n in range(ANSWERS_PER_STAKEHOLDER)
    ]


async def _seed(url: str, answers: int) -> None:
    database = Database(url)
    try:
        await database.upgrade()
        people = answers // ANSWERS_PER_STAKEHOLDER
        async with database.transaction() as session:
            await session.execute(insert(Stakeholder), _stakeholders(people))
            await session.execute(insert(Answer), _answers(people))
    finally:
        await database.dispose()


async def _export_xlsx(url: str, out: Path) -> int:
    """Write the workbook to a file, as `consultbot export` does; return its size."""
    database = Database(url)
    try:
        request = ExportRequest("xlsx", ExportFilters(), language="es")
        with out.open("wb") as sink:
            await write_export(make_source(database, make_pack(), request), "xlsx", sink)
        return out.stat().st_size
    finally:
        await database.dispose()


def _peak_bytes(url: str, out: Path) -> int:
    """Peak memory Python allocated during one export, by tracemalloc."""
    tracemalloc.start()
    try:
        asyncio.run(_export_xlsx(url, out))
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _seeded(tmp_path: Path, answers: int) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / f'bench-{answers}.db'}"
    asyncio.run(_seed(url, answers))
    return url


@pytest.mark.parametrize("answers", [2_000, 20_000])
def test_xlsx_export_time(benchmark, tmp_path: Path, answers: int) -> None:
    """An XLSX export of many answers, timed."""
    url = _seeded(tmp_path, answers)
    out = tmp_path / "export.xlsx"
    size = benchmark.pedantic(lambda: asyncio.run(_export_xlsx(url, out)), rounds=2, iterations=1)
    benchmark.extra_info["answers"] = answers
    benchmark.extra_info["xlsx_bytes"] = size


def test_xlsx_export_memory_stays_flat(tmp_path: Path) -> None:
    """Ten times the answers costs far less than ten times the peak memory."""
    small, large = _seeded(tmp_path, 2_000), _seeded(tmp_path, 20_000)
    out = tmp_path / "export.xlsx"
    asyncio.run(_export_xlsx(small, out))  # imports and caches, so they do not count as peak
    peak_small, peak_large = _peak_bytes(small, out), _peak_bytes(large, out)
    print(f"\npeak memory: 2,000 answers {peak_small / 1e6:.1f} MB, "
          f"20,000 answers {peak_large / 1e6:.1f} MB")  # fmt: skip
    assert peak_large < 1.5 * peak_small
