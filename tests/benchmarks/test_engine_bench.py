"""CPU per update of the engine alone: no transport, the same 24-update walk, on SQLite.

Run alone with `make bench BENCH=tests/benchmarks/test_engine_bench.py`.
"""

from __future__ import annotations

import os
from pathlib import Path

from bot.pack import load_pack
from tests.benchmarks.measure import RESULTS, Figure, rounds, run_json
from tests.benchmarks.stakeholder import updates_per_walk

USERS = int(os.environ.get("BENCH_USERS", "200"))
WALK = updates_per_walk(load_pack("lac-2025"))  # updates per stakeholder


def test_engine_cpu_per_update(tmp_path: Path) -> None:
    """Registration, session 1 and /answers for 200 stakeholders straight into the engine."""
    best = None
    for number in range(rounds()):
        directory = tmp_path / f"engine-{number}"
        directory.mkdir()
        url = f"sqlite+aiosqlite:///{directory / 'bench.db'}"
        figures = run_json(
            ["-m", "tests.benchmarks.children", "engine", url, str(directory), str(USERS)],
            directory,
        )
        per_update = 1000 * figures["cpu"] / figures["updates"]
        best = per_update if best is None else min(best, per_update)
        assert figures["updates"] == USERS * WALK
    assert best is not None
    RESULTS.add(
        Figure(
            "engine alone, CPU per update",
            best,
            "ms",
            target="<= 1.0 ms",
            detail=f"{USERS} users, {USERS * WALK} updates, SQLite",
        )
    )
