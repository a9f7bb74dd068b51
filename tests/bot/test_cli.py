"""The `consultbot` command line: help everywhere, light imports, database and pack commands."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.commands.cli import app

COMMANDS = [
    [],
    ["chat"],
    ["run"],
    ["export"],
    ["broadcast"],
    ["stats"],
    ["db"],
    ["db", "upgrade"],
    ["pack"],
    ["pack", "check"],
    ["pack", "graph"],
    ["roles"],
    ["roles", "grant"],
    ["roles", "revoke"],
    ["roles", "list"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "consultbot")
def test_every_command_has_help(command: list[str]) -> None:
    """`--help` works for every command and says what it does."""
    result = CliRunner().invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output and len(result.output.splitlines()) > 3


def test_help_does_not_import_heavy_libraries() -> None:
    """`consultbot --help` loads no database, platform or document library."""
    code = (
        "import sys\n"
        "from bot.commands.cli import app\n"
        "heavy = ['sqlalchemy', 'telegram', 'slack_bolt', 'openpyxl', 'xlsxwriter', 'docx',"
        " 'matplotlib', 'starlette', 'aiohttp', 'pycountry']\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == ""


def test_db_upgrade_creates_the_schema(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`consultbot db upgrade` migrates a new SQLite file to head."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'new.db'}")
    result = CliRunner().invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with sqlite3.connect(tmp_path / "new.db") as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert {"stakeholders", "answers", "outbox", "alembic_version"} <= tables


def test_run_without_tokens_opens_the_console(tmp_path: Path) -> None:
    """`consultbot run` with no platform token starts the console chat (what `make run` does)."""
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'r.db'}"}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        input="",
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "starting the console chat" in result.stdout and "[1]" in result.stdout
