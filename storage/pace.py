"""Queries on the shared send pace: send times reserved in blocks, and 429 pauses, per platform."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialect import greatest, insert_for
from storage.models import SendPace


async def reserve(
    session: AsyncSession,
    platform: str,
    count: int,
    interval: float,
    now: float,
    catch_up: float = 0.0,
) -> tuple[float, float]:
    """Take `count` send times `interval` apart; return the first and any pause in force.

    One statement: the first reservation makes the row, the next ones move it on from whichever
    is latest of its next time, the end of a pause and `now - catch_up`: slots nobody took in
    the last `catch_up` seconds may still be used (sent at once), so a sender's short stall
    costs no rate, and no second holds more than the rate plus `catch_up` worth of slots.
    """
    span = count * interval
    floor = now - max(catch_up, 0.0)
    statement = insert_for(session, SendPace).values(
        platform=platform, next_at=now + span, paused_until=0.0
    )
    statement = statement.on_conflict_do_update(
        index_elements=["platform"],
        set_={"next_at": greatest(session, SendPace.next_at, floor, SendPace.paused_until) + span},
    ).returning(SendPace.next_at, SendPace.paused_until)
    next_at, paused_until = (await session.execute(statement)).one()
    return float(next_at) - span, float(paused_until)


async def pause(session: AsyncSession, platform: str, until: float) -> None:
    """Hold every sender of the platform until `until` (a 429 seen by one of them)."""
    statement = insert_for(session, SendPace).values(
        platform=platform, next_at=until, paused_until=until
    )
    statement = statement.on_conflict_do_update(
        index_elements=["platform"],
        set_={"paused_until": greatest(session, SendPace.paused_until, until)},
    )
    await session.execute(statement)
