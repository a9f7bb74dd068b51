"""What /readyz and /metrics read from the database, with a deadline so a probe never hangs."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass

from bot.observability.metrics import exposition, record_database_up, record_outbox
from storage.db import Database, head_revisions
from storage.health import outbox_backlog

log = logging.getLogger(__name__)

DEADLINE = 3.0  # seconds: orchestrators give up on a probe after a few seconds


@dataclass(frozen=True)
class Readiness:
    ready: bool
    detail: str


async def readiness(database: Database) -> Readiness:
    """Ready when the database answers and is at the migrations this code expects."""
    try:
        current = await asyncio.wait_for(database.schema_revisions(), DEADLINE)
    except Exception as error:  # unreachable, timed out, refused: all mean "not ready"
        log.warning("readiness: database unreachable (%s)", type(error).__name__)
        return Readiness(False, f"database unreachable ({type(error).__name__})")
    expected = head_revisions()
    if current != expected:
        have = _join(current) or "none"
        return Readiness(
            False, f"schema not current: database at {have}, code expects {_join(expected)}"
        )
    return Readiness(True, f"ready (schema {_join(expected)})")


async def metrics(database: Database | None, accept: str = "") -> tuple[bytes, str]:
    """The metrics, with the outbox gauges read from the database just now."""
    if database is not None:
        await _refresh_outbox(database)
    return exposition(accept)


async def _refresh_outbox(database: Database) -> None:
    try:
        async with asyncio.timeout(DEADLINE), database.transaction() as session:
            backlog = await outbox_backlog(session, dt.datetime.now(dt.UTC))
    except Exception as error:
        log.warning("metrics: cannot read the outbox (%s)", type(error).__name__)
        record_database_up(False)
        return
    record_database_up(True)
    record_outbox(backlog.queued, backlog.sending, backlog.oldest_age)


def _join(revisions: frozenset[str]) -> str:
    return ",".join(sorted(revisions))
