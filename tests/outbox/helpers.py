"""Shared stand-ins for the outbox and scheduler tests: a small pack, a fake clock, fake sends."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert

from bot.core.messages import Address, Reply
from bot.pack import Pack, parse_pack
from storage.db import Database
from storage.models import Answer, Stakeholder

START = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


def both(es: str, en: str | None = None) -> dict[str, str]:
    return {"es": es, "en": en or es}


def pack_data(roadmap: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    """The raw YAML of a two-language pack with two subregions, categories and sessions."""
    objectives = [
        {"number": n, "title": both(f"Objetivo {n}", f"Objective {n}"), "short": both(f"O{n}")}
        for n in range(1, 24)
    ]
    question = {"key": "q1", "text": both("¿Qué?", "What?")}
    return {
        "id": "test-pack",
        "version": "1",
        "default_language": "es",
        "languages": ["es", "en"],
        "event": {
            "name": both("Revisión", "Review"),
            "short_name": both("RR"),
            "venue": both("Sede", "Venue"),
            "city": both("Santiago"),
            "country": "CL",
            "timezone": "America/Santiago",
            "start": "2026-05-10",
            "end": "2026-05-12",
        },
        "privacy": {"version": "1", "notice": both("Aviso", "Notice"), "attribution": both("A")},
        "objectives": objectives,
        "subregions": [
            {"key": "south", "name": both("Sur", "South"), "countries": ["CL", "AR"]},
            {"key": "central", "name": both("Centro", "Central"), "countries": ["MX", "GT"]},
        ],
        "categories": [
            {
                "key": "cso",
                "name": both("Civil", "Civil society"),
                "described_as": both("x"),
            },
            {"key": "academia", "name": both("Academia"), "described_as": both("y")},
        ],
        "sessions": [
            {"key": "s1", "title": both("Sesión 1", "Session 1"), "questions": [question]},
            {"key": "s2", "title": both("Sesión 2", "Session 2"), "questions": [question]},
        ],
        "roadmap": roadmap if roadmap is not None else [],
        **extra,
    }


def make_pack(roadmap: list[dict[str, Any]] | None = None, **extra: Any) -> Pack:
    return parse_pack(pack_data(roadmap, **extra), "test-pack")


class FakeClock:
    """Time that moves only when slept or advanced, so tests never wait."""

    def __init__(self, start: dt.datetime = START) -> None:
        self.start = start
        self.elapsed = 0.0
        self.sleeps: list[float] = []

    def now(self) -> dt.datetime:
        return self.start + dt.timedelta(seconds=self.elapsed)

    def monotonic(self) -> float:
        return self.elapsed

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.elapsed += max(seconds, 0.0)
        await asyncio.sleep(0)

    def advance(self, seconds: float) -> None:
        self.elapsed += seconds


@dataclass
class Sent:
    at: float
    address: Address
    text: str


@dataclass
class RecordingTransport:
    """Records each delivery with the fake time; raises scripted errors per chat first."""

    clock: FakeClock | None = None
    platform: str = "console"
    sent: list[Sent] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    errors: dict[str, list[Exception]] = field(default_factory=dict)
    always: dict[str, Exception] = field(default_factory=dict)

    async def run(self, dispatch: Any) -> None:  # pragma: no cover - not used by the outbox
        raise NotImplementedError

    async def send(self, address: Address, reply: Reply) -> None:
        self.calls.append(address.chat_id)
        if address.chat_id in self.always:
            raise self.always[address.chat_id]
        scripted = self.errors.get(address.chat_id)
        if scripted:
            raise scripted.pop(0)
        at = self.clock.monotonic() if self.clock else 0.0
        self.sent.append(Sent(at, address, reply.text))

    def texts_to(self, chat_id: str) -> list[str]:
        return [item.text for item in self.sent if item.address.chat_id == chat_id]


def stakeholder_row(number: int, **fields: Any) -> dict[str, Any]:
    """A registered stakeholder on the console; `fields` override any column."""
    row: dict[str, Any] = {
        "platform": "console",
        "platform_user_id": f"user{number}",
        "chat_id": f"chat{number}",
        "language": "es",
        "category": "cso",
        "country": "CL",
        "subregion": "south",
        "consent_version": "1",
        "consented_at": START,
        "registered_at": START,
        "reminders_opt_in": False,
        "created_at": START,
        "updated_at": START,
    }
    row.update(fields)
    return row


async def add_stakeholders(database: Database, rows: Iterable[dict[str, Any]]) -> list[int]:
    """Insert stakeholders and return their ids in order."""
    rows = list(rows)
    columns = {name for row in rows for name in row}  # a multi-row VALUES takes the first's keys
    rows = [{name: row.get(name) for name in columns} for row in rows]
    async with database.transaction() as session:
        ids = []
        for start in range(0, len(rows), 500):
            result = await session.execute(
                insert(Stakeholder).values(rows[start : start + 500]).returning(Stakeholder.id)
            )
            ids.extend(result.scalars())
    return ids


async def add_answer(database: Database, stakeholder_id: int, session_key: str) -> None:
    async with database.transaction() as session:
        session.add(
            Answer(
                stakeholder_id=stakeholder_id,
                session_key=session_key,
                question_key="q1",
                value="yes",
                language="es",
            )
        )


def prepare_cli(
    tmp_path: Any, monkeypatch: Any, rows: Iterable[dict[str, Any]] = (), **env: str
) -> str:
    """A migrated SQLite file with `rows` as stakeholders and a small pack, set in the env."""
    import yaml

    from tests.conftest import migrated_sqlite

    pack_file = tmp_path / "pack.yaml"
    pack_file.write_text(yaml.safe_dump(pack_data(), allow_unicode=True), encoding="utf-8")

    async def setup() -> str:
        async with migrated_sqlite(tmp_path) as database:
            await add_stakeholders(database, list(rows))
            return database.url

    url = asyncio.run(setup())
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("CONSULTATION_PACK", str(pack_file))
    for name in ("ORGANIZERS", "RAPPORTEURS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return url


def query(url: str, statement: Any) -> list[Any]:
    """Run one SELECT on the database from sync test code."""

    async def run() -> list[Any]:
        database = Database(url)
        try:
            async with database.transaction() as session:
                return list((await session.execute(statement)).all())
        finally:
            await database.dispose()

    return asyncio.run(run())
