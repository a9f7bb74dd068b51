"""SQLite statements cost one trip to aiosqlite's thread, and read back what SQLAlchemy needs."""

from __future__ import annotations

from collections.abc import Iterator

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from storage.db import Database


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every function queued for aiosqlite's thread, by name."""
    queued: list[str] = []
    original = aiosqlite.Connection._execute

    async def counted(self, function, *args, **kwargs):  # type: ignore[no-untyped-def]  # mirrors the private method
        queued.append(getattr(function, "__name__", repr(function)))
        return await original(self, function, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    yield queued


async def test_a_select_and_a_write_each_make_one_trip(
    sqlite_db: Database, trips: list[str]
) -> None:
    async with sqlite_db.engine.connect() as connection:
        await connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"))
        trips.clear()
        rows = (await connection.execute(text("SELECT 1 UNION SELECT 2 ORDER BY 1"))).all()
        assert [row[0] for row in rows] == [1, 2]
        assert len(trips) == 1
        inserted = await connection.execute(text("INSERT INTO t (v) VALUES ('a'), ('b')"))
        assert inserted.rowcount == 2 and len(trips) == 2
        changed = await connection.execute(text("UPDATE t SET v = 'c' WHERE v = 'a'"))
        assert changed.rowcount == 1 and len(trips) == 3
        returned = await connection.execute(text("INSERT INTO t (v) VALUES ('d') RETURNING id"))
        assert returned.scalar_one() == 3 and len(trips) == 4


async def test_many_rows_at_once_and_a_refusal_come_back_as_sqlalchemy_expects(
    sqlite_db: Database,
) -> None:
    async with sqlite_db.engine.begin() as connection:
        await connection.execute(text("CREATE TABLE u (k TEXT PRIMARY KEY)"))
        many = await connection.execute(
            text("INSERT INTO u (k) VALUES (:k)"), [{"k": "x"}, {"k": "y"}, {"k": "z"}]
        )
        assert many.rowcount == 3
        with pytest.raises(IntegrityError):
            await connection.execute(text("INSERT INTO u (k) VALUES ('x')"))
    async with sqlite_db.engine.connect() as connection:
        keys = (await connection.execute(text("SELECT k FROM u ORDER BY k"))).scalars().all()
    assert keys == ["x", "y", "z"]


async def test_streaming_still_reads_in_chunks(sqlite_db: Database) -> None:
    """Exports stream through aiosqlite's own server-side cursor, untouched."""
    async with sqlite_db.engine.connect() as connection:
        numbers = text(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500) "
            "SELECT i FROM n"
        )
        result = await connection.stream(numbers)
        seen = [row[0] async for row in result]
    assert seen == list(range(1, 501))
