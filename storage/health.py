"""Queries the readiness probe and the metrics endpoint read: cheap, indexed, read-only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OutboxMessage
from storage.outbox import QUEUED, SENDING


@dataclass(frozen=True)
class Backlog:
    """Messages not yet delivered, and how long the oldest has waited."""

    queued: int
    sending: int
    oldest_age: float  # seconds; 0 when there is nothing waiting


async def outbox_backlog(session: AsyncSession, now: dt.datetime) -> Backlog:
    # type_coerce keeps the column's type, so both backends hand back an aware datetime.
    oldest_created = type_coerce(func.min(OutboxMessage.created_at), OutboxMessage.created_at.type)
    statement = (
        select(OutboxMessage.status, func.count(), oldest_created)
        .where(OutboxMessage.status.in_((QUEUED, SENDING)))
        .group_by(OutboxMessage.status)
    )
    counts = {QUEUED: 0, SENDING: 0}
    oldest: dt.datetime | None = None
    for status, number, created in await session.execute(statement):
        counts[status] = int(number)
        oldest = created if oldest is None else min(oldest, created)
    age = (now - oldest).total_seconds() if oldest is not None else 0.0
    return Backlog(counts[QUEUED], counts[SENDING], max(age, 0.0))
