"""Queries on stakeholders, their conversation row and processed updates."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialect import insert_for
from storage.models import (
    Answer,
    Attachment,
    AuditEntry,
    Pledge,
    ProcessedUpdate,
    Stakeholder,
    utcnow,
)

_MARKS: dict[str, Any] = {}  # the mark's INSERT per dialect, built once


def _mark(session: AsyncSession) -> Any:
    assert session.bind is not None
    dialect = session.bind.dialect.name
    if dialect not in _MARKS:
        _MARKS[dialect] = (
            insert_for(session, ProcessedUpdate)
            .values(
                platform=bindparam("platform"),
                update_id=bindparam("update_id"),
                processed_at=bindparam("at", type_=ProcessedUpdate.processed_at.type),
            )
            .on_conflict_do_nothing(index_elements=["platform", "update_id"])
        )
    return _MARKS[dialect]


async def mark_processed(session: AsyncSession, platform: str, update_id: str) -> bool:
    """Record an update as handled; False when it already was (a redelivery), in one statement."""
    values = {"platform": platform, "update_id": update_id, "at": utcnow()}
    result = await (await session.connection()).execute(_mark(session), values)
    return bool(result.rowcount)  # type: ignore[attr-defined]  # an INSERT's CursorResult


async def find_stakeholder(
    session: AsyncSession, platform: str, user_id: str
) -> Stakeholder | None:
    return await session.scalar(
        select(Stakeholder).where(
            Stakeholder.platform == platform, Stakeholder.platform_user_id == user_id
        )
    )


async def set_unreachable(
    session: AsyncSession, platform: str, user_id: str, since: dt.datetime | None
) -> None:
    """Mark a stakeholder who blocked the bot (a time) or came back (None); unknown users: no-op."""
    await session.execute(
        update(Stakeholder)
        .where(Stakeholder.platform == platform, Stakeholder.platform_user_id == user_id)
        .values(unreachable_since=since)
    )


async def personal_data(session: AsyncSession, stakeholder_id: int) -> dict[str, list]:
    """Every row that belongs to a stakeholder, for /mydata."""
    answers = await session.scalars(
        select(Answer).where(Answer.stakeholder_id == stakeholder_id).order_by(Answer.id)
    )
    attachments = await session.scalars(
        select(Attachment)
        .where(Attachment.stakeholder_id == stakeholder_id)
        .order_by(Attachment.id)
    )
    pledges = await session.scalars(
        select(Pledge).where(Pledge.stakeholder_id == stakeholder_id).order_by(Pledge.id)
    )
    return {"answers": list(answers), "attachments": list(attachments), "pledges": list(pledges)}


async def erase_stakeholder(session: AsyncSession, stakeholder_id: int) -> dict[str, int]:
    """Delete a stakeholder and everything of theirs; return counts for an audit entry."""
    counts = {}
    for model in (Answer, Attachment, Pledge):
        counts[model.__tablename__] = (
            await session.scalar(
                select(func.count())
                .select_from(model)
                .where(model.stakeholder_id == stakeholder_id)
            )
            or 0
        )
    await session.execute(delete(Stakeholder).where(Stakeholder.id == stakeholder_id))
    return counts


async def stored_file_paths(session: AsyncSession, stakeholder_id: int) -> list[str]:
    rows = await session.scalars(
        select(Attachment.stored_path).where(Attachment.stakeholder_id == stakeholder_id)
    )
    return [path for path in rows if path]


async def every_stored_path(session: AsyncSession) -> set[str]:
    """The files any stored answer refers to: what the attachment sweep must keep."""
    rows = await session.scalars(
        select(Attachment.stored_path).where(Attachment.stored_path.is_not(None))
    )
    return {path for path in rows if path}


async def audit(session: AsyncSession, actor: str, action: str, detail: dict) -> None:
    """Write an audit entry; callers pass no personal data in `detail`."""
    session.add(AuditEntry(actor=actor, action=action, detail=detail))
