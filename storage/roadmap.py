"""Queries on roadmap snapshots: the roadmap as last announced, so a change is told once."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import RoadmapSnapshot


async def latest_snapshot(session: AsyncSession, pack_id: str) -> RoadmapSnapshot | None:
    return await session.scalar(
        select(RoadmapSnapshot)
        .where(RoadmapSnapshot.pack_id == pack_id)
        .order_by(RoadmapSnapshot.recorded_at.desc(), RoadmapSnapshot.id.desc())
        .limit(1)
    )


async def record_snapshot(
    session: AsyncSession,
    pack_id: str,
    digest: str,
    events: list[dict[str, Any]],
    now: dt.datetime,
) -> None:
    session.add(RoadmapSnapshot(pack_id=pack_id, digest=digest, events=events, recorded_at=now))
    await session.flush()
