"""Queries behind the rapporteur's exports: current answers of consenting stakeholders, streamed.

Every query here sees only stakeholders who consented and only the current revision of an answer.
Answers are streamed in chunks (`yield_per`, a server-side cursor on PostgreSQL), so an export of
many answers keeps memory flat; `answer_batches` hands a chunk over at once, since crossing from
the async API into SQLAlchemy's greenlet costs more than reading a row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Sequence
from typing import Any, Protocol

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    Text,
    and_,
    cast,
    exists,
    func,
    select,
    type_coerce,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.types import NullType

from storage.driver_rows import driver_batches
from storage.models import Answer, Pledge, Stakeholder
from storage.stakeholder_filters import pledge_stands, stakeholder_conditions

CHUNK_SIZE = 2000


class AnswerFilters(Protocol):
    """What narrows an export; an empty sequence or None means no narrowing."""

    sessions: Sequence[str]
    subregions: Sequence[str]
    countries: Sequence[str]
    categories: Sequence[str]
    languages: Sequence[str]
    since: dt.datetime | None
    until: dt.datetime | None
    published_only: bool


STAKEHOLDER_COLUMNS = (
    Stakeholder.id.label("stakeholder_id"),
    Stakeholder.organization,
    Stakeholder.category,
    Stakeholder.country,
    Stakeholder.subregion,
    Stakeholder.email,
    Stakeholder.language.label("stakeholder_language"),
    Stakeholder.attribution_consent,
    Stakeholder.publication_consent,
    Stakeholder.consented_at,
)


def _stakeholder_conditions(filters: AnswerFilters) -> list[ColumnElement[bool]]:
    return stakeholder_conditions(filters, published_only=filters.published_only)


def _answer_conditions(filters: AnswerFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [Answer.current.is_(True)]
    if filters.sessions:
        conditions.append(Answer.session_key.in_(filters.sessions))
    if filters.languages:
        conditions.append(Answer.language.in_(filters.languages))
    if filters.since is not None:
        conditions.append(Answer.updated_at >= filters.since)
    if filters.until is not None:
        conditions.append(Answer.updated_at < filters.until)
    return conditions


def _contributed(filters: AnswerFilters) -> ColumnElement[bool]:
    """The stakeholder has at least one current answer the filters keep."""
    return exists().where(Answer.stakeholder_id == Stakeholder.id, *_answer_conditions(filters))


def answers_statement(filters: AnswerFilters) -> Select[Any]:
    """Current answers joined with their stakeholder, in a stable order."""
    return (
        select(
            Answer.id.label("answer_id"),
            Answer.session_key,
            Answer.question_key,
            Answer.value,
            Answer.language,
            Answer.revision,
            Answer.created_at,
            Answer.updated_at,
            *STAKEHOLDER_COLUMNS,
        )
        .join(Stakeholder, Stakeholder.id == Answer.stakeholder_id)
        .where(*_stakeholder_conditions(filters), *_answer_conditions(filters))
        .order_by(Answer.id)
    )


async def answer_batches(
    session: AsyncSession, filters: AnswerFilters, chunk_size: int = CHUNK_SIZE
) -> AsyncIterator[Sequence[Row[Any]]]:
    """Yield answer rows in lists of at most `chunk_size`, in answer id order."""
    statement = answers_statement(filters).execution_options(yield_per=chunk_size)
    # Core, not the ORM session: plain rows, without the ORM's per-row loading (a profile of
    # the 200,000-answer CSV export put that at 6 % of its time)
    connection = await session.connection()
    result = await connection.stream(statement)
    async for batch in result.partitions(chunk_size):
        yield batch


def _as_stored(column: InstrumentedAttribute[Any], name: str | None = None) -> Any:
    """The column as the driver returns it: SQLAlchemy runs no result processor on it."""
    return type_coerce(column, NullType()).label(name or column.key)


def stored_answers_statement(filters: AnswerFilters) -> Select[Any]:
    """`answers_statement`'s rows (same filters, same order) as stored, without the stakeholder.

    No type processing: `value` is the JSON text, `updated_at` a string on SQLite and an aware
    datetime on PostgreSQL. A profile of the 200,000-answer CSV put the JSON decoder and the
    timestamp decorators at a third of its time, mostly for cells a cache by stored text
    answers without them; the stakeholder's columns, read once per stakeholder by
    `stream_stakeholders` instead, were 40 % of SQLite's own work.
    """
    return answers_statement(filters).with_only_columns(
        _as_stored(Answer.id, "answer_id"),
        _as_stored(Answer.session_key),
        _as_stored(Answer.question_key),
        cast(Answer.value, Text).label("value"),
        _as_stored(Answer.language),
        _as_stored(Answer.revision),
        _as_stored(Answer.updated_at),
        _as_stored(Answer.stakeholder_id),
    )


def stored_moment(stored: str | dt.datetime) -> dt.datetime:
    """A stored timestamp, aware: SQLite keeps UTC as naive text, asyncpg gives datetimes."""
    moment = dt.datetime.fromisoformat(stored) if isinstance(stored, str) else stored
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def stored_iso_seconds(stored: str | dt.datetime) -> str:
    """`stored_moment(stored).isoformat(timespec="seconds")`, cut from SQLite's text directly.

    SQLAlchemy stores a DateTime on SQLite as 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC, as UTCDateTime
    converted it); anything else is parsed.
    """
    if type(stored) is str and len(stored) == 26 and stored[10] == " " and stored[19] == ".":
        return f"{stored[:10]}T{stored[11:19]}+00:00"
    return stored_moment(stored).isoformat(timespec="seconds")


async def stored_answer_batches(
    session: AsyncSession, filters: AnswerFilters, chunk_size: int = CHUNK_SIZE
) -> AsyncIterator[Sequence[Sequence[Any]]]:
    """`stored_answers_statement`'s rows in lists of at most `chunk_size`, in answer id order,
    read through the driver (storage/driver_rows.py)."""
    async for batch in driver_batches(session, stored_answers_statement(filters), chunk_size):
        yield batch


async def stream_answers(
    session: AsyncSession, filters: AnswerFilters, chunk_size: int = CHUNK_SIZE
) -> AsyncIterator[Row[Any]]:
    """Yield answer rows one by one, read a chunk at a time."""
    async for batch in answer_batches(session, filters, chunk_size):
        for row in batch:
            yield row


async def count_answers(session: AsyncSession, filters: AnswerFilters) -> int:
    """How many rows `stream_answers` will yield, for a progress bar."""
    statement = answers_statement(filters).order_by(None).subquery()
    return int(await session.scalar(select(func.count()).select_from(statement)) or 0)


async def stream_stakeholders(
    session: AsyncSession, filters: AnswerFilters, chunk_size: int = CHUNK_SIZE
) -> AsyncIterator[Row[Any]]:
    """Yield consenting stakeholders with at least one answer the filters keep."""
    statement = (
        select(*STAKEHOLDER_COLUMNS)
        .where(*_stakeholder_conditions(filters), _contributed(filters))
        .order_by(Stakeholder.id)
        .execution_options(yield_per=chunk_size)
    )
    result = await session.stream(statement)
    async for row in result:
        yield row


async def stream_pledges(
    session: AsyncSession, filters: AnswerFilters, chunk_size: int = CHUNK_SIZE
) -> AsyncIterator[Row[Any]]:
    """Yield pledges whose answer is current (or which stand alone), under the filters."""
    conditions: list[ColumnElement[bool]] = [
        *_stakeholder_conditions(filters),
        pledge_stands(),
    ]
    if filters.sessions:
        conditions.append(Pledge.session_key.in_(filters.sessions))
    if filters.languages:
        conditions.append(Pledge.language.in_(filters.languages))
    when = func.coalesce(Answer.updated_at, Pledge.created_at)
    if filters.since is not None:
        conditions.append(when >= filters.since)
    if filters.until is not None:
        conditions.append(when < filters.until)
    statement = (
        select(
            Pledge.id.label("pledge_id"),
            Pledge.answer_id,
            Pledge.session_key,
            Pledge.question_key,
            Pledge.title,
            Pledge.objectives,
            Pledge.partners,
            Pledge.timeline,
            Pledge.language,
            Pledge.created_at,
            *STAKEHOLDER_COLUMNS,
        )
        .join(Stakeholder, Stakeholder.id == Pledge.stakeholder_id)
        .outerjoin(Answer, Answer.id == Pledge.answer_id)
        .where(and_(*conditions))
        .order_by(Pledge.id)
        .execution_options(yield_per=chunk_size)
    )
    result = await session.stream(statement)
    async for row in result:
        yield row


async def participation(
    session: AsyncSession, filters: AnswerFilters
) -> list[tuple[str | None, str | None, str | None, int]]:
    """Contributing stakeholders counted by (subregion, category, country)."""
    statement = (
        select(Stakeholder.subregion, Stakeholder.category, Stakeholder.country, func.count())
        .where(*_stakeholder_conditions(filters), _contributed(filters))
        .group_by(Stakeholder.subregion, Stakeholder.category, Stakeholder.country)
    )
    rows = await session.execute(statement)
    return [(row[0], row[1], row[2], int(row[3])) for row in rows]
