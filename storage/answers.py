"""Queries on answers: the current revision of each, earlier ones kept, pledges and files beside."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Answer, Attachment, Pledge


@dataclass(frozen=True)
class StoredAnswer:
    """The current revision of one answer, as JSON; its number counts the revisions."""

    answer_id: int
    session_key: str
    question_key: str
    value: Any
    revision: int
    language: str


# Built once; the hot path binds values.
_CURRENT = select(
    Answer.id,
    Answer.session_key,
    Answer.question_key,
    Answer.value,
    Answer.revision,
    Answer.language,
).where(Answer.stakeholder_id == bindparam("who"), Answer.current.is_(True))
_RETIRE = (
    update(Answer)
    .where(
        Answer.stakeholder_id == bindparam("who"),
        Answer.session_key == bindparam("s_key"),
        Answer.question_key == bindparam("q_key"),
        Answer.current.is_(True),
    )
    .values(current=False)
)
_ADD = (
    insert(Answer)
    .values(
        stakeholder_id=bindparam("who"),
        session_key=bindparam("s_key"),
        question_key=bindparam("q_key"),
        value=bindparam("value", type_=Answer.value.type),
        language=bindparam("language"),
        revision=bindparam("revision"),
        current=True,
    )
    .returning(Answer.id)
)


async def current_answers(
    session: AsyncSession, stakeholder_id: int
) -> dict[tuple[str, str], StoredAnswer]:
    """The latest revision of each of a stakeholder's answers, keyed by (session, question)."""
    rows = await (await session.connection()).execute(_CURRENT, {"who": stakeholder_id})
    return {(row.session_key, row.question_key): StoredAnswer(*row) for row in rows}


async def save_answer(
    session: AsyncSession,
    stakeholder_id: int,
    session_key: str,
    question_key: str,
    value: dict[str, Any],
    language: str,
    revision: int,
) -> int:
    """Store revision `revision` and make it the current one; earlier revisions stay.

    Two writers racing on one answer both ask for the same revision number: the unique
    constraint refuses the second, whose update then runs again.
    """
    keys = {"who": stakeholder_id, "s_key": session_key, "q_key": question_key}
    if revision > 1:  # a first answer has no earlier revision to retire
        await (await session.connection()).execute(_RETIRE, keys)
    answer_id = await (await session.connection()).scalar(
        _ADD, {**keys, "value": value, "language": language, "revision": revision}
    )
    assert answer_id is not None
    return answer_id


async def save_pledge(
    session: AsyncSession,
    stakeholder_id: int,
    answer_id: int,
    session_key: str,
    question_key: str,
    pledge: dict[str, Any],
    language: str,
) -> None:
    """Keep the pledge beside its answer; an edited pledge replaces the earlier row.

    The earlier wording stays in the answer's earlier revision, so nothing is lost.
    """
    await session.execute(
        delete(Pledge).where(
            Pledge.stakeholder_id == stakeholder_id,
            Pledge.session_key == session_key,
            Pledge.question_key == question_key,
        )
    )
    await session.execute(
        insert(Pledge).values(
            stakeholder_id=stakeholder_id,
            answer_id=answer_id,
            session_key=session_key,
            question_key=question_key,
            title=pledge["title"],
            objectives=list(pledge.get("objectives") or []),
            partners=pledge.get("partners"),
            timeline=pledge.get("timeline"),
            language=language,
        )
    )


async def add_attachment(session: AsyncSession, **fields: Any) -> int:
    attachment_id = await session.scalar(
        insert(Attachment).values(**fields).returning(Attachment.id)
    )
    assert attachment_id is not None
    return attachment_id


async def link_attachment(session: AsyncSession, attachment_id: int, answer_id: int) -> None:
    await session.execute(
        update(Attachment).where(Attachment.id == attachment_id).values(answer_id=answer_id)
    )
