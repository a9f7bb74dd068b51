"""`consultbot db backup PATH`, and the restore docs/operations.md describes, on both backends."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from bot.commands.cli import app
from storage.db import Database, head_revisions
from storage.models import Answer, Stakeholder
from tests.conftest import POSTGRES_URL, create_postgres_database, drop_postgres_database
from tests.fakes.serving import free_port
from tests.outbox.helpers import add_answer, add_stakeholders, prepare_cli, stakeholder_row

runner = CliRunner()
NO_PG_DUMP = pytest.mark.skipif(not shutil.which("pg_dump"), reason="pg_dump is not installed")


async def contents(url: str) -> tuple[list[tuple], list[tuple], frozenset[str]]:
    """Every stakeholder and answer (the columns that matter), and the schema revision."""
    database = Database(url)
    try:
        async with database.transaction() as session:
            people = (
                await session.execute(
                    select(Stakeholder.platform_user_id, Stakeholder.organization).order_by(
                        Stakeholder.id
                    )
                )
            ).all()
            answers = (
                await session.execute(
                    select(Answer.stakeholder_id, Answer.session_key, Answer.value).order_by(
                        Answer.id
                    )
                )
            ).all()
        return (
            [tuple(p) for p in people],
            [tuple(a) for a in answers],
            (await database.schema_revisions()),
        )
    finally:
        await database.dispose()


async def seed(url: str) -> None:
    database = Database(url)
    try:
        rows = [stakeholder_row(n, organization=f"Red {n}") for n in range(1, 4)]
        await add_stakeholders(database, rows)
        await add_answer(database, 1, "s1")
        await add_answer(database, 3, "s2")
    finally:
        await database.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A migrated SQLite file with three stakeholders and two answers, set as DATABASE_URL."""
    url = prepare_cli(tmp_path, monkeypatch)
    asyncio.run(seed(url))
    return url


def test_sqlite_backup_restores_every_row(sqlite_url: str, tmp_path: Path) -> None:
    """Back up, copy the file to a new place as the guide says, open it: the same rows."""
    target = tmp_path / "backup.db"
    result = runner.invoke(app, ["db", "backup", str(target)])
    assert result.exit_code == 0, result.output
    assert "3 stakeholders, 2 answers" in result.output
    assert target.stat().st_mode & 0o777 == 0o600  # personal data: the owner's eyes only
    restored = tmp_path / "restored" / "consultbot.db"
    restored.parent.mkdir()
    shutil.copyfile(target, restored)
    assert not Path(f"{target}-wal").exists()  # one self-contained file
    original = asyncio.run(contents(sqlite_url))
    copy = asyncio.run(contents(f"sqlite+aiosqlite:///{restored}"))
    assert copy == original and len(copy[0]) == 3 and copy[2] == head_revisions()


def test_backup_is_online_and_consistent(sqlite_url: str, tmp_path: Path) -> None:
    """A write in progress neither blocks the backup nor appears half-done in it."""
    writer = sqlite3.connect(make_url(sqlite_url).database or "", isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE stakeholders SET organization = 'half-written'")
        result = runner.invoke(app, ["db", "backup", str(tmp_path / "during.db")])
        writer.execute("COMMIT")
    finally:
        writer.close()
    assert result.exit_code == 0, result.output
    with sqlite3.connect(tmp_path / "during.db") as copy:
        names = {row[0] for row in copy.execute("SELECT organization FROM stakeholders")}
    assert names == {"Red 1", "Red 2", "Red 3"}


def test_an_existing_file_is_kept_unless_forced(sqlite_url: str, tmp_path: Path) -> None:
    """PATH already there: refused, untouched; with --force it is replaced by the backup."""
    target = tmp_path / "old.db"
    target.write_text("yesterday's backup")
    refused = runner.invoke(app, ["db", "backup", str(target)])
    assert refused.exit_code == 2 and "--force" in refused.output
    assert target.read_text() == "yesterday's backup"
    forced = runner.invoke(app, ["db", "backup", str(target), "--force"])
    assert forced.exit_code == 0, forced.output
    with sqlite3.connect(target) as copy:
        assert copy.execute("SELECT count(*) FROM stakeholders").fetchone() == (3,)
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []


def test_a_missing_database_file_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """DATABASE_URL pointing at no file: one line saying so, and no backup file."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'nothing.db'}")
    result = runner.invoke(app, ["db", "backup", str(tmp_path / "out.db")])
    assert result.exit_code == 2 and "no SQLite database at" in result.output
    assert not (tmp_path / "out.db").exists() and not (tmp_path / "nothing.db").exists()


def test_postgres_without_pg_dump_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No pg_dump on PATH: a clear message naming the package, exit 2, nothing written."""
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://consultbot:pw@db:5432/consultbot")
    monkeypatch.setenv("PATH", str(tmp_path))
    result = runner.invoke(app, ["db", "backup", str(tmp_path / "out.dump")])
    assert result.exit_code == 2, result.output
    assert "pg_dump is not installed" in result.output and "postgresql-client" in result.output
    assert not (tmp_path / "out.dump").exists()


@NO_PG_DUMP
def test_a_failed_pg_dump_is_reported_without_the_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pg_dump cannot connect: its reason is shown, the password never, and no file is left."""
    url = f"postgresql+asyncpg://consultbot:Secr3t-pw@127.0.0.1:{free_port()}/consultbot"
    monkeypatch.setenv("DATABASE_URL", url)
    result = runner.invoke(app, ["db", "backup", str(tmp_path / "out.dump")])
    assert result.exit_code == 2 and "pg_dump failed" in result.output
    assert "Secr3t-pw" not in result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.postgres
@NO_PG_DUMP
def test_postgres_backup_restores_every_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pg_dump through the command, pg_restore into a new database as the guide says: same rows."""
    assert POSTGRES_URL

    async def databases() -> tuple[str, str, str, str]:
        source, source_name = await create_postgres_database()
        database = Database(source)
        await database.upgrade()
        await database.dispose()
        await seed(source)
        target, target_name = await create_postgres_database()
        return source, source_name, target, target_name

    source, source_name, target, target_name = asyncio.run(databases())
    try:
        monkeypatch.setenv("DATABASE_URL", source)
        dump = tmp_path / "consultbot.dump"
        result = runner.invoke(app, ["db", "backup", str(dump)])
        assert result.exit_code == 0, result.output
        assert dump.stat().st_mode & 0o777 == 0o600
        plain = make_url(target).set(drivername="postgresql").render_as_string(False)
        subprocess.run(
            ["pg_restore", "--no-owner", f"--dbname={plain}", str(dump)],
            check=True,
            capture_output=True,
        )
        assert asyncio.run(contents(target)) == asyncio.run(contents(source))
        assert len(asyncio.run(contents(target))[0]) == 3
    finally:
        asyncio.run(drop_postgres_database(source_name))
        asyncio.run(drop_postgres_database(target_name))
