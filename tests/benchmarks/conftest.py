"""`make bench`: every figure printed as it is measured, and all of them again at the end."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.benchmarks.measure import RESULTS, format_figure


@pytest.fixture(scope="session")
def same_calls_ms(tmp_path_factory: pytest.TempPathFactory) -> float:
    """CPU per update of the bare PTB bot making our calls, measured once per run: the
    reference of the Telegram figure and the yardstick of every absolute target."""
    from tests.benchmarks.test_telegram_bench import measure_same_calls

    return measure_same_calls(tmp_path_factory.mktemp("same-calls"))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not RESULTS.figures:
        return
    terminalreporter.section("benchmark figures")
    for figure in RESULTS.figures:
        terminalreporter.write_line(format_figure(figure))
    out = os.environ.get("BENCH_JSON")
    if out:
        data = [figure.__dict__ | {"ratio": figure.ratio} for figure in RESULTS.figures]
        Path(out).write_text(json.dumps(data, indent=2), encoding="utf-8")
