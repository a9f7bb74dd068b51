"""Queries on answers: the current revision of each, earlier ones kept, pledges beside them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Answer, Attachment, Pledge


async def current_answers(
    session: AsyncSession, stakeholder_id: int, session_key: str | None = None
) -> dict[tuple[str, str], Answer]:
    """The latest revision of each answer, keyed by (session, question)."""
    query = select(Answer).where(Answer.stakeholder_id == stakeholder_id, Answer.current.is_(True))
    if session_key is not None:
        query = query.where(Answer.session_key == session_key)
    rows = await session.scalars(query)
    return {(answer.session_key, answer.question_key): answer for answer in rows}


async def revision_count(
    session: AsyncSession, stakeholder_id: int, session_key: str, question_key: str
) -> int:
    return (
        await session.scalar(
            select(func.count())
            .select_from(Answer)
            .where(
                Answer.stakeholder_id == stakeholder_id,
                Answer.session_key == session_key,
                Answer.question_key == question_key,
            )
        )
        or 0
    )


async def save_answer(
    session: AsyncSession,
    stakeholder_id: int,
    session_key: str,
    question_key: str,
    value: dict[str, Any],
    language: str,
) -> Answer:
    """Store a new revision and make it the current one; earlier revisions stay."""
    previous = await revision_count(session, stakeholder_id, session_key, question_key)
    await session.execute(
        update(Answer)
        .where(
            Answer.stakeholder_id == stakeholder_id,
            Answer.session_key == session_key,
            Answer.question_key == question_key,
            Answer.current.is_(True),
        )
        .values(current=False)
    )
    answer = Answer(
        stakeholder_id=stakeholder_id,
        session_key=session_key,
        question_key=question_key,
        value=value,
        language=language,
        revision=previous + 1,
        current=True,
    )
    session.add(answer)
    await session.flush()
    return answer


async def save_pledge(
    session: AsyncSession, answer: Answer, pledge: dict[str, Any], language: str
) -> Pledge:
    """Keep the pledge beside its answer; an edited pledge replaces the earlier row.

    The earlier wording stays in the answer's earlier revision, so nothing is lost.
    """
    await session.execute(
        delete(Pledge).where(
            Pledge.stakeholder_id == answer.stakeholder_id,
            Pledge.session_key == answer.session_key,
            Pledge.question_key == answer.question_key,
        )
    )
    row = Pledge(
        stakeholder_id=answer.stakeholder_id,
        answer_id=answer.id,
        session_key=answer.session_key,
        question_key=answer.question_key,
        title=pledge["title"],
        objectives=list(pledge.get("objectives") or []),
        partners=pledge.get("partners"),
        timeline=pledge.get("timeline"),
        language=language,
    )
    session.add(row)
    await session.flush()
    return row


async def add_attachment(session: AsyncSession, **fields: Any) -> Attachment:
    attachment = Attachment(**fields)
    session.add(attachment)
    await session.flush()
    return attachment


async def link_attachment(session: AsyncSession, attachment_id: int, answer_id: int) -> None:
    await session.execute(
        update(Attachment).where(Attachment.id == attachment_id).values(answer_id=answer_id)
    )
