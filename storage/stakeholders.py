"""Queries on stakeholders, their conversation row and processed updates."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Answer,
    Attachment,
    AuditEntry,
    Conversation,
    Pledge,
    ProcessedUpdate,
    Stakeholder,
)


async def mark_processed(session: AsyncSession, platform: str, update_id: str) -> bool:
    """Record an update as handled; False when it already was (a redelivery)."""
    seen = await session.scalar(
        select(ProcessedUpdate.id).where(
            ProcessedUpdate.platform == platform, ProcessedUpdate.update_id == update_id
        )
    )
    if seen is not None:
        return False
    try:
        async with session.begin_nested():
            session.add(ProcessedUpdate(platform=platform, update_id=update_id))
    except IntegrityError:
        return False  # another process took it between our read and our write
    return True


async def find_stakeholder(
    session: AsyncSession, platform: str, user_id: str
) -> Stakeholder | None:
    return await session.scalar(
        select(Stakeholder).where(
            Stakeholder.platform == platform, Stakeholder.platform_user_id == user_id
        )
    )


async def get_or_create_stakeholder(
    session: AsyncSession, platform: str, user_id: str, chat_id: str
) -> Stakeholder:
    """The stakeholder row, created with the platform ids alone (nothing personal yet)."""
    stakeholder = await find_stakeholder(session, platform, user_id)
    if stakeholder is None:
        stakeholder = Stakeholder(platform=platform, platform_user_id=user_id, chat_id=chat_id)
        session.add(stakeholder)
        await session.flush()
    elif stakeholder.chat_id != chat_id:
        stakeholder.chat_id = chat_id
    return stakeholder


async def get_or_create_conversation(
    session: AsyncSession, stakeholder: Stakeholder
) -> Conversation:
    conversation = await session.scalar(
        select(Conversation).where(Conversation.stakeholder_id == stakeholder.id)
    )
    if conversation is None:
        conversation = Conversation(stakeholder_id=stakeholder.id, flow="idle", step="", draft={})
        session.add(conversation)
        await session.flush()
    return conversation


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


async def erase_stakeholder(session: AsyncSession, stakeholder: Stakeholder) -> dict[str, int]:
    """Delete a stakeholder and everything of theirs; return counts for an audit entry."""
    counts = {}
    for model in (Answer, Attachment, Pledge):
        counts[model.__tablename__] = (
            await session.scalar(
                select(func.count())
                .select_from(model)
                .where(model.stakeholder_id == stakeholder.id)
            )
            or 0
        )
    await session.execute(delete(Stakeholder).where(Stakeholder.id == stakeholder.id))
    return counts


async def stored_file_paths(session: AsyncSession, stakeholder_id: int) -> list[str]:
    rows = await session.scalars(
        select(Attachment.stored_path).where(Attachment.stakeholder_id == stakeholder_id)
    )
    return [path for path in rows if path]


async def audit(session: AsyncSession, actor: str, action: str, detail: dict) -> None:
    """Write an audit entry; callers pass no personal data in `detail`."""
    session.add(AuditEntry(actor=actor, action=action, detail=detail))
