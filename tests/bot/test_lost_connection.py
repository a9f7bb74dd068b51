"""A database restart drops every pooled connection: the next update still goes through.

Without a ping per checkout (storage/db.py), the first statement on a dropped connection fails
with `connection_invalidated`; the engine runs the update again on a fresh connection, so the
stakeholder never sees the apology.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bot.core.messages import InboundKind, Outcome
from bot.pack import Pack
from storage.db import Database
from tests.dialog import Dialog, make_engine


async def _drop_every_other_connection(database: Database) -> int:
    """What a restart does to the pool: the server ends the backends under it."""
    other = Database(database.url)
    try:
        async with other.engine.connect() as connection:
            ended = await connection.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
            return int(ended.scalar_one())
    finally:
        await other.dispose()


@pytest.mark.postgres
async def test_an_update_after_the_connections_dropped_is_handled_not_apologised_for(
    postgres_db: Database, pack: Pack, tmp_path: Path
) -> None:
    engine = make_engine(postgres_db, pack, tmp_path)
    dialog = Dialog(engine)
    await dialog.command("/start")
    assert await _drop_every_other_connection(postgres_db) >= 1
    replies = await dialog.send_kind(InboundKind.COMMAND, command="help")
    assert replies and all(reply.key != "error.internal" for reply in replies)
    again = await dialog.send_kind(InboundKind.COMMAND, command="help")  # the pool is whole again
    assert [reply.key for reply in again] == [reply.key for reply in replies]


async def test_a_connection_lost_twice_is_apologised_for_after_one_more_try(
    sqlite_db: Database, pack: Pack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second lost connection is not a stale pool but a database going away: one retry,
    then the apology, and the update is reported failed (so it is not acknowledged)."""
    engine = make_engine(sqlite_db, pack, tmp_path)
    tries: list[str] = []

    async def always_lost(inbound, seen):  # type: ignore[no-untyped-def]  # Engine._once's shape
        tries.append(inbound.update_id)
        raise DBAPIError("SELECT 1", {}, ConnectionError("gone"), connection_invalidated=True)

    monkeypatch.setattr(engine, "_once", always_lost)
    handled = await engine.process(Dialog(engine)._inbound(InboundKind.COMMAND, command="help"))
    assert len(tries) == 2
    assert handled.outcome == Outcome.FAILED
    assert [reply.key for reply in handled.replies] == ["error.internal"]
