"""Queries behind the dashboard's charts: participation, days, completion, objectives cited.

Every figure counts only stakeholders who consented and only current answers; each query groups
on indexed columns or reads an index alone (see tests/dashboard/test_plans.py).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, cast, func, or_, select, text, true
from sqlalchemy import Date as SqlDate
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import SKIPPED_POSTGRES, SKIPPED_SQLITE, Answer, Pledge, Stakeholder
from storage.stakeholder_filters import pledge_stands


@dataclass(frozen=True)
class Cell:
    """Registered stakeholders sharing one subregion, category, country and language."""

    subregion: str | None
    category: str | None
    country: str | None
    language: str | None
    count: int


@dataclass(frozen=True)
class QuestionFigures:
    """How many current answers a question has, and how many of them were skipped."""

    answers: int
    skipped: int


@dataclass(frozen=True)
class Completion:
    """Per session: how many stakeholders started it; per question: answers and skips."""

    started: dict[str, int] = field(default_factory=dict)
    questions: dict[tuple[str, str], QuestionFigures] = field(default_factory=dict)


def _is_sqlite(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def _day(session: AsyncSession, column: Any) -> ColumnElement[Any]:
    """The UTC calendar day of a timestamp, in each backend's own function."""
    if _is_sqlite(session):
        return func.date(column)
    return cast(func.timezone("UTC", column), SqlDate)


def _as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


async def participation(session: AsyncSession) -> list[Cell]:
    """Registered (consenting) stakeholders counted by subregion, category, country, language."""
    columns = (Stakeholder.subregion, Stakeholder.category, Stakeholder.country)
    rows = await session.execute(
        select(*columns, Stakeholder.language, func.count())
        .where(Stakeholder.consented_at.is_not(None))
        .group_by(*columns, Stakeholder.language)
    )
    return [Cell(*row[:4], int(row[4])) for row in rows]


async def registrations_by_day(session: AsyncSession) -> list[tuple[dt.date, int]]:
    """How many stakeholders consented on each day (UTC), oldest first."""
    day = _day(session, Stakeholder.consented_at).label("day")
    rows = await session.execute(
        select(day, func.count())
        .where(Stakeholder.consented_at.is_not(None))
        .group_by(day)
        .order_by(day)
    )
    return [(_as_date(when), int(count)) for when, count in rows]


async def first_answers_by_day(session: AsyncSession) -> list[tuple[dt.date, int]]:
    """How many questions were answered for the first time on each day (UTC), oldest first.

    First revisions count even when edited later; answers of erased stakeholders are gone.
    """
    day = _day(session, Answer.created_at).label("day")
    rows = await session.execute(
        select(day, func.count()).where(Answer.revision == 1).group_by(day).order_by(day)
    )
    return [(_as_date(when), int(count)) for when, count in rows]


def started_statement() -> Select[Any]:
    """Stakeholders with a current answer, per session (index-only on ix_answers_session_…)."""
    return (
        select(Answer.session_key, func.count(func.distinct(Answer.stakeholder_id)))
        .where(Answer.current.is_(True))
        .group_by(Answer.session_key)
    )


def answered_statement() -> Select[Any]:
    """Current answers per question (index-only on ix_answers_current)."""
    return (
        select(Answer.session_key, Answer.question_key, func.count())
        .where(Answer.current.is_(True))
        .group_by(Answer.session_key, Answer.question_key)
    )


def skipped_statement(sqlite: bool) -> Select[Any]:
    """Skipped current answers per question, on the partial index ix_answers_skipped.

    The predicate is the index's own text, word for word: SQLite uses a partial index only
    for a WHERE clause that repeats the index's.
    """
    predicate = text(SKIPPED_SQLITE if sqlite else SKIPPED_POSTGRES)
    return (
        select(Answer.session_key, Answer.question_key, func.count())
        .where(predicate)
        .group_by(Answer.session_key, Answer.question_key)
    )


async def completion(session: AsyncSession) -> Completion:
    """Stakeholders per session and current answers (and skips) per question.

    Answers need no join to stakeholders here: nothing is stored before consent, and /forget
    deletes a stakeholder's answers with them.
    """
    started = await session.execute(started_statement())
    answered = await session.execute(answered_statement())
    skipped = await session.execute(skipped_statement(_is_sqlite(session)))
    skips = {(session, question): int(count) for session, question, count in skipped}
    return Completion(
        started={key: int(count) for key, count in started},
        questions={
            (session_key, question_key): QuestionFigures(
                int(count), skips.get((session_key, question_key), 0)
            )
            for session_key, question_key, count in answered
        },
    )


async def objectives_cited(
    session: AsyncSession, questions: Sequence[tuple[str, str]]
) -> Counter[int]:
    """How many current answers to the given objectives questions cite each objective.

    The JSON lists are unnested by the database (json_each, json_array_elements_text), so only
    the counts travel, not tens of thousands of values.
    """
    if not questions:
        return Counter()
    wanted = or_(
        *(
            and_(Answer.session_key == session_key, Answer.question_key == question_key)
            for session_key, question_key in questions
        )
    )
    if _is_sqlite(session):
        numbers = func.json_each(Answer.value, "$.objectives").table_valued("value")
    else:
        numbers = func.json_array_elements_text(Answer.value["objectives"]).table_valued("value")
    rows = await session.execute(
        select(numbers.c.value, func.count())
        .select_from(Answer)
        .join(numbers, true())
        .where(wanted, Answer.current.is_(True))
        .group_by(numbers.c.value)
    )
    counts: Counter[int] = Counter()
    for number, count in rows:
        if str(number).isdigit():
            counts[int(number)] += int(count)
    return counts


async def pledge_objectives(session: AsyncSession) -> list[list[int]]:
    """The objectives of every pledge the pledges page lists (and the exports carry)."""
    rows = await session.scalars(
        select(Pledge.objectives)
        .join(Stakeholder, Stakeholder.id == Pledge.stakeholder_id)
        .outerjoin(Answer, Answer.id == Pledge.answer_id)
        .where(Stakeholder.consented_at.is_not(None), pledge_stands())
    )
    return [list(objectives or []) for objectives in rows]


def count_objectives(lists: Sequence[list[int]]) -> Counter[int]:
    """How many pledges cite each objective number."""
    counts: Counter[int] = Counter()
    for numbers in lists:
        counts.update(number for number in set(numbers) if isinstance(number, int))
    return counts
