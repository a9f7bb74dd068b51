"""Participation figures for organizers and rapporteurs: counts only, never a person."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.broadcasts import BroadcastStatus, recent_broadcasts
from storage.models import Answer, Stakeholder


@dataclass(frozen=True)
class SessionFigures:
    """Who answered a session and how many answers they gave."""

    stakeholders: int
    answers: int


@dataclass(frozen=True)
class Stats:
    """What /stats and `consultbot stats` show."""

    registered: int
    by_subregion: dict[str, int]
    by_category: dict[str, int]
    by_language: dict[str, int]
    by_session: dict[str, SessionFigures]
    reminders_opt_in: int
    unreachable: int
    broadcasts: list[BroadcastStatus] = field(default_factory=list)


async def _grouped(session: AsyncSession, column: object) -> dict[str, int]:
    """Registered stakeholders per value of `column`; no value counts under ''."""
    rows = await session.execute(
        select(column, func.count())  # type: ignore[call-overload]  # column is any grouping column
        .where(Stakeholder.consented_at.is_not(None))
        .group_by(column)
    )
    counts = {(key or ""): number for key, number in rows}
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


async def _count(session: AsyncSession, *conditions: object) -> int:
    statement = select(func.count()).select_from(Stakeholder)
    statement = statement.where(Stakeholder.consented_at.is_not(None), *conditions)  # type: ignore[arg-type]  # conditions are SQL clauses
    return int(await session.scalar(statement) or 0)


async def _by_session(session: AsyncSession) -> dict[str, SessionFigures]:
    """Current answers per session, from registered stakeholders only."""
    rows = await session.execute(
        select(Answer.session_key, func.count(distinct(Answer.stakeholder_id)), func.count())
        .join(Stakeholder, Stakeholder.id == Answer.stakeholder_id)
        .where(Answer.current.is_(True), Stakeholder.consented_at.is_not(None))
        .group_by(Answer.session_key)
    )
    return {key: SessionFigures(people, answers) for key, people, answers in rows}


async def collect(session: AsyncSession, broadcasts: int = 10) -> Stats:
    """Every figure at once, in one transaction so they agree with each other."""
    return Stats(
        registered=await _count(session),
        by_subregion=await _grouped(session, Stakeholder.subregion),
        by_category=await _grouped(session, Stakeholder.category),
        by_language=await _grouped(session, Stakeholder.language),
        by_session=await _by_session(session),
        reminders_opt_in=await _count(session, Stakeholder.reminders_opt_in.is_(True)),
        unreachable=await _count(session, Stakeholder.unreachable_since.is_not(None)),
        broadcasts=await recent_broadcasts(session, broadcasts),
    )
