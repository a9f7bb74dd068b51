"""Backups while the bot runs: SQLite's online backup API, or pg_dump for PostgreSQL.

A backup is written beside its destination under a temporary name and renamed when complete, so
PATH is either a whole, checked backup or untouched. docs/operations.md shows how to restore.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url

# Tables whose rows a SQLite backup reports, with how the report names them.
COUNTED = {"stakeholders": "stakeholders", "answers": "answers", "outbox": "outbox messages"}


class BackupError(Exception):
    """The backup was not made; the message says why and what to do."""


@dataclass(frozen=True)
class Backup:
    path: Path
    size: int
    rows: dict[str, int]  # rows per table in the copy (SQLite) or archive entries (PostgreSQL)


async def backup(database_url: str, target: Path, *, overwrite: bool = False) -> Backup:
    """Copy the database at DATABASE_URL to `target` without stopping the bot."""
    if target.exists() and not overwrite:
        raise BackupError(f"{target} exists; choose another path or pass --force")
    if not target.parent.is_dir():
        raise BackupError(f"{target.parent} is not a directory")
    url = make_url(database_url)
    partial = target.with_name(f".{target.name}.partial")
    try:
        _create_private(partial)  # personal data: readable by the bot's user only
        if url.get_backend_name() == "sqlite":
            rows = await asyncio.to_thread(_sqlite_backup, _sqlite_file(url), partial)
        else:
            rows = await _pg_dump(url, partial)
        os.replace(partial, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    return Backup(target, target.stat().st_size, rows)


def _create_private(path: Path) -> None:
    """An empty file only its owner may read; the backup tools write into it."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()  # the remains of an interrupted backup
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _sqlite_file(url: URL) -> Path:
    path = Path(url.database or "")
    if not url.database or not path.is_file():
        raise BackupError(f"no SQLite database at {path} (DATABASE_URL)")
    return path


def _sqlite_backup(source: Path, target: Path) -> dict[str, int]:
    """Page-by-page copy of a consistent snapshot; writers carry on meanwhile (WAL)."""
    live = contextlib.closing(sqlite3.connect(source, timeout=30))
    with live as source_db, contextlib.closing(sqlite3.connect(target)) as copy:
        source_db.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        problems = [row[0] for row in copy.execute("PRAGMA integrity_check")]
        if problems != ["ok"]:
            raise BackupError(f"the copy fails its integrity check: {problems[:3]}")
        return {label: _count(copy, table) for table, label in COUNTED.items()}


def _count(connection: sqlite3.Connection, table: str) -> int:
    try:
        return int(connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])
    except sqlite3.OperationalError:  # a database older than the table
        return 0


async def _pg_dump(url: URL, target: Path) -> dict[str, int]:
    """pg_dump's custom format (restore with pg_restore); the password goes by environment."""
    if shutil.which("pg_dump") is None:
        raise BackupError(
            "pg_dump is not installed here: install the PostgreSQL client of the server's "
            "major version (Debian: apt-get install postgresql-client), or run pg_dump where "
            "the database runs (see docs/operations.md, Backups)"
        )
    await _run("pg_dump", "--format=custom", "--no-owner", f"--file={target}", env=_pg_env(url))
    if shutil.which("pg_restore") is None:
        return {}
    listing = await _run("pg_restore", "--list", str(target), env={})
    entries = [line for line in listing.splitlines() if line and not line.startswith(";")]
    return {"archive entries": len(entries)}


def _pg_env(url: URL) -> dict[str, str]:
    """libpq's variables for the URL: no password on a command line other users can read."""
    values = {
        "PGHOST": url.host,
        "PGPORT": str(url.port) if url.port else None,
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGDATABASE": url.database,
        "PGSSLMODE": url.query.get("sslmode") or url.query.get("ssl"),
    }
    return {name: str(value) for name, value in values.items() if value}


async def _run(program: str, *args: str, env: dict[str, str]) -> str:
    process = await asyncio.create_subprocess_exec(
        program,
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, **env},
    )
    stdout, stderr = await process.communicate()
    if process.returncode != 0:
        detail = stderr.decode(errors="replace").strip().splitlines()
        raise BackupError(f"{program} failed: {' '.join(detail[:3]) or process.returncode}")
    return stdout.decode(errors="replace")
