"""Exports at scale: XLSX and CSV of 200,000 answers beside pandas, and the draft report.

Each export runs in a child process of its own on a seeded SQLite file (lac-2025 pack, 25
answers per stakeholder): CPU seconds of the export itself, wall time, and the child's peak
resident memory. The pandas reference reads the same answers query with `read_sql_query` and
writes it with `to_csv` / `to_excel` (openpyxl), as an analyst would.
Run alone with `make bench BENCH=tests/benchmarks/test_export_bench.py`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.benchmarks.export_seed import seeded_file
from tests.benchmarks.measure import RESULTS, Figure, run_json

LARGE = int(os.environ.get("BENCH_ANSWERS", "200000"))
SMALL = LARGE // 10
TIMEOUT = float(os.environ.get("BENCH_EXPORT_TIMEOUT", "1800"))


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> dict[int, str]:
    """Seeded databases of SMALL and LARGE answers, made once for the module."""
    directory = Path(os.environ.get("BENCH_CACHE") or tmp_path_factory.mktemp("answers"))
    directory.mkdir(parents=True, exist_ok=True)
    return {answers: seeded_file(directory, answers) for answers in (SMALL, LARGE)}


def ours(url: str, format: str, out: Path, language: str = "es") -> dict[str, Any]:
    args = ["-m", "tests.benchmarks.children", "export", url, format, str(out), language]
    return run_json(args, out.parent, TIMEOUT)


def pandas(url: str, format: str, out: Path) -> dict[str, Any]:
    path = url.removeprefix("sqlite+aiosqlite:///")
    args = ["-m", "tests.benchmarks.children", "pandas", path, format, str(out)]
    return run_json(args, out.parent)


def _detail(figures: dict[str, Any]) -> str:
    return (
        f"wall {figures['wall']:.1f} s, peak RSS {figures['peak_rss_mb']:.0f} MB "
        f"({figures['rss_before_mb']:.0f} MB before), {figures['bytes'] / 1e6:.1f} MB file"
    )


@pytest.mark.parametrize("format", ["xlsx", "csv"])
def test_tabular_beside_pandas(seeded: dict[int, str], tmp_path: Path, format: str) -> None:
    """CPU time and peak memory of an export of LARGE answers, and of pandas writing them."""
    mine = ours(seeded[LARGE], format, tmp_path / f"ours.{format}")
    reference = pandas(seeded[LARGE], format, tmp_path / f"pandas.{format}")
    assert reference["rows"] == LARGE
    RESULTS.add(
        Figure(
            f"{format.upper()} of {LARGE:,} answers, CPU",
            mine["cpu"],
            "s",
            reference["cpu"],
            f"pandas to_{'excel' if format == 'xlsx' else 'csv'}",
            "faster than pandas, < 200 MB",
            f"ours: {_detail(mine)}; pandas: {_detail(reference)}",
        )
    )
    RESULTS.add(
        Figure(
            f"{format.upper()} of {LARGE:,} answers, peak RSS",
            mine["peak_rss_mb"],
            "MB",
            reference["peak_rss_mb"],
            "pandas",
            "< 200 MB",
        )
    )
    assert mine["peak_rss_mb"] < 200, "the export no longer streams"


@pytest.mark.parametrize("size", ["small", "large"])
@pytest.mark.parametrize("format", ["md", "docx"])
def test_report(seeded: dict[int, str], tmp_path: Path, format: str, size: str) -> None:
    """CPU time and peak memory of the draft report at SMALL and LARGE answers."""
    answers = SMALL if size == "small" else LARGE
    mine = ours(seeded[answers], format, tmp_path / f"report.{format}")
    RESULTS.add(
        Figure(
            f"report {format} of {answers:,} answers, CPU",
            mine["cpu"],
            "s",
            target="< 30 s and < 300 MB at 200,000",
            detail=_detail(mine),
        )
    )
    assert mine["peak_rss_mb"] < 300, "the report no longer keeps memory bounded"
