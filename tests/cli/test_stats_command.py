"""`consultbot stats` through CliRunner: counts by subregion, category, language and session."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.commands.cli import app
from storage.db import Database
from tests.outbox.helpers import add_answer, prepare_cli, stakeholder_row

runner = CliRunner()


@pytest.fixture
def url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Three registered (two south, one central) and one who never consented."""
    rows = [
        stakeholder_row(1),
        stakeholder_row(2, language="en", category="academia"),
        stakeholder_row(3, country="MX", subregion="central"),
        stakeholder_row(4, consented_at=None, subregion="central"),
    ]
    url = prepare_cli(tmp_path, monkeypatch, rows)

    async def answers() -> None:
        database = Database(url)
        await add_answer(database, 1, "s1")
        await add_answer(database, 2, "s1")
        await add_answer(database, 4, "s2")  # not registered: not counted
        await database.dispose()

    asyncio.run(answers())
    return url


def row(output: str, label: str) -> list[str]:
    """The cells of the first table line that mentions `label`."""
    line = next(line for line in output.splitlines() if label in line)
    return [cell.strip() for cell in line.split("│") if cell.strip()]


def test_stats_counts_registered_stakeholders_and_answers(url: str) -> None:
    """Only consented stakeholders count, by subregion, category, language and session."""
    result = runner.invoke(app, ["stats"], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    assert row(result.output, "Sur (south)")[-1] == "2"
    assert row(result.output, "Centro (central)")[-1] == "1"
    assert row(result.output, "Academia (academia)")[-1] == "1"
    assert row(result.output, "Sesión 1 (s1)")[1:] == ["2", "2"]
    assert "Sesión 2" not in result.output


def test_stats_shows_broadcast_delivery_counts(url: str) -> None:
    """After a broadcast, its queued count appears in the broadcasts table."""
    runner.invoke(app, ["broadcast", "--text", "Hola", "--yes", "--by", "console:ana"])
    result = runner.invoke(app, ["stats"], env={"COLUMNS": "160"})
    assert result.exit_code == 0
    assert row(result.output, "console:ana")[-4:] == ["3", "0", "0", "0"]
