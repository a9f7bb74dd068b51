"""Queries on leases: a job one replica does at a time, taken over once its holder stops."""

from __future__ import annotations

from sqlalchemy import or_
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialect import insert_for
from storage.models import Lease


async def hold(session: AsyncSession, name: str, owner: str, now: float, seconds: float) -> bool:
    """Take the lease, or renew it while held; True while `owner` holds it.

    Free, expired or ours: it becomes ours until now + seconds; held by a live other: refused.
    """
    statement = insert_for(session, Lease).values(name=name, owner=owner, until=now + seconds)
    statement = statement.on_conflict_do_update(
        index_elements=["name"],
        set_={"owner": owner, "until": now + seconds},
        where=or_(Lease.owner == owner, Lease.until < now),
    ).returning(Lease.owner)
    return (await session.execute(statement)).first() is not None
