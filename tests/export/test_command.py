"""`consultbot export` as a rapporteur runs it, and `build_export` as the chat calls it."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook
from typer.testing import CliRunner

from bot.commands.cli import app
from bot.export import ExportError, ExportFilters, build_export
from bot.export.build import ExportRequest, make_source, write_export
from bot.pack import Pack
from storage.db import Database
from tests.export.seed import PACK, Seed, seed


async def _seed_file(path: Path) -> Seed:
    database = Database(f"sqlite+aiosqlite:///{path}")
    try:
        await database.upgrade()
        return await seed(database)
    finally:
        await database.dispose()


@pytest.fixture
def pack_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This suite's pack as a YAML file, named in the environment as operators do."""
    pack_path = tmp_path / "pack.yaml"
    pack_path.write_text(yaml.safe_dump(PACK, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("CONSULTATION_PACK", str(pack_path))
    monkeypatch.chdir(tmp_path)  # no stray .env from the working tree
    return tmp_path


@pytest.fixture
def cli_env(pack_env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A seeded SQLite file in DATABASE_URL, beside the pack."""
    asyncio.run(_seed_file(pack_env / "consultbot.db"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{pack_env / 'consultbot.db'}")
    return pack_env


def test_cli_writes_each_format(cli_env: Path) -> None:
    """The real command writes csv, jsonl, xlsx, md and docx files that their readers open."""
    runner = CliRunner()
    for format in ("csv", "jsonl", "xlsx", "md", "docx"):
        out = cli_env / f"export.{format}"
        result = runner.invoke(
            app, ["export", "--format", format, "--out", str(out), "--lang", "en"]
        )
        assert result.exit_code == 0, result.output
        assert "Wrote 16 answers" in result.output
        assert not out.with_name(out.name + ".part").exists()
    assert len(list(csv.reader(io.StringIO((cli_env / "export.csv").read_text("utf-8-sig"))))) == 17
    assert len((cli_env / "export.jsonl").read_text("utf-8").splitlines()) == 16
    assert load_workbook(cli_env / "export.xlsx").sheetnames[0] == "Answers"
    assert (cli_env / "export.md").read_text("utf-8").startswith("# ")


def test_cli_filters_and_anonymize(cli_env: Path) -> None:
    """Filters and --anonymize given on the command line shape the file."""
    out = cli_env / "caribbean.jsonl"
    args = ["export", "-f", "jsonl", "-o", str(out), "--subregion", "caribbean", "--anonymize"]
    args += ["--country", "ht", "--since", "2025-01-01", "--until", "2025-03-01"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert len(records) == 4
    assert {(r["country"], r["organization"], r["email"]) for r in records} == {("HT", None, None)}


def test_cli_published_only(cli_env: Path) -> None:
    """--published-only writes only the answers of stakeholders who allowed publication."""
    with sqlite3.connect(cli_env / "consultbot.db") as connection:
        connection.execute(
            "UPDATE stakeholders SET publication_consent = platform_user_id IN ('ana', 'eve')"
            " WHERE platform_user_id IN ('ana', 'eve', 'ben')"
        )
    out = cli_env / "published.jsonl"
    args = ["export", "-f", "jsonl", "-o", str(out), "--published-only", "--lang", "en"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "Wrote 7 answers" in result.output
    records = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert {record["organization"] for record in records} == {
        "Red Migrante Caribe",
        "Frontera Norte",
    }
    assert {record["publication_consent"] for record in records} == {True}


def test_cli_refuses_an_unknown_session(cli_env: Path) -> None:
    """A mistyped session stops with one line naming the known ones, and writes nothing."""
    out = cli_env / "x.csv"
    args = ["export", "-f", "csv", "-o", str(out), "--session", "inclu", "--lang", "en"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert "unknown session inclu" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


async def test_build_export_returns_a_document(db: Database, pack: Pack, seeded: Seed) -> None:
    """The chat's /export gets a named file with its MIME type, made in memory."""
    document = await build_export(db, pack, "xlsx", ExportFilters(), False, "es")
    assert document.filename.startswith("test-pack-answers-") and document.filename.endswith(
        ".xlsx"
    )
    assert document.mime_type.endswith("spreadsheetml.sheet")
    assert load_workbook(io.BytesIO(document.content)).sheetnames[-1] == "Summary"
    report = await build_export(db, pack, "docx", ExportFilters(), True, "en")
    assert "-report-anonymized-" in report.filename


async def test_build_export_refuses_a_language_the_pack_lacks(
    db: Database, pack: Pack, seeded: Seed
) -> None:
    """A report language outside the pack's languages is an ExportError, not a crash."""
    with pytest.raises(ExportError, match="report language 'fr'"):
        await build_export(db, pack, "md", ExportFilters(), False, "fr")


async def test_progress_hears_of_every_answer(db: Database, pack: Pack, seeded: Seed) -> None:
    """The progress bar's callback is told of every answer written, and its total matches."""
    told: list[int] = []
    request = ExportRequest("csv", ExportFilters())
    source = make_source(db, pack, request, told.append)
    await write_export(source, "csv", io.BytesIO())
    assert sum(told) == await source.count_answers() == 16


def test_cli_exports_from_a_fresh_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a database file that does not exist yet, the export migrates it and writes a header."""
    pack_path = tmp_path / "pack.yaml"
    pack_path.write_text(yaml.safe_dump(PACK, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}")
    monkeypatch.setenv("CONSULTATION_PACK", str(pack_path))
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "empty.csv"
    result = CliRunner().invoke(app, ["export", "-f", "csv", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert len(out.read_text("utf-8-sig").splitlines()) == 1
