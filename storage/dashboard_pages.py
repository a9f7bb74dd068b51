"""Queries behind the dashboard's lists: answers under filters, pledges, broadcasts, a page each.

As in the exports, only stakeholders who consented and only current answers are listed. Pages
are read by id (keyset pagination), so the thousandth page costs what the first does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Select, Text, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.broadcasts import with_counts
from storage.models import Answer, Broadcast, Pledge, Stakeholder
from storage.stakeholder_filters import WhoFilters, pledge_stands, stakeholder_conditions

PAGE_SIZE = 50
MAX_COUNT = 10_000  # beyond this a filtered count says "more than 10,000" instead of scanning on


class AnswerFilters(WhoFilters, Protocol):
    """What narrows the answers page; an empty sequence means no narrowing."""

    @property
    def sessions(self) -> Sequence[str]: ...

    @property
    def languages(self) -> Sequence[str]: ...


@dataclass(frozen=True)
class Page:
    """One page of rows, newest first, with the ids that open the pages either side."""

    rows: list[Any]
    newer: int | None = None  # pass as `after` to read the page before this one
    older: int | None = None  # pass as `before` to read the page after this one


def searchable_text() -> ColumnElement[Any]:
    """The words of an answer: a free text's, or a pledge's title."""
    return func.coalesce(Answer.value["text"].as_string(), Answer.value["title"].as_string())


def _answer_conditions(filters: AnswerFilters, words: str) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [Answer.current.is_(True)]
    if filters.sessions:
        conditions.append(Answer.session_key.in_(filters.sessions))
    if filters.languages:
        conditions.append(Answer.language.in_(filters.languages))
    if words:
        if _survives_json_escaping(words):
            conditions.append(cast(Answer.value, Text).icontains(words, autoescape=True))
        conditions.append(searchable_text().icontains(words, autoescape=True))
    return conditions


def _survives_json_escaping(words: str) -> bool:
    """Whether `words` appear as themselves in an answer's stored JSON text.

    Stored JSON escapes non-ASCII letters, quotes, backslashes and control characters; words
    without any of them appear verbatim, so finding them in the raw JSON is a cheap test every
    match passes. Put before the exact test, which parses each row's JSON, it makes a search
    for a word found nowhere several times cheaper.
    """
    return words.isascii() and words.isprintable() and not {'"', "\\"} & set(words)


ANSWER_COLUMNS = (
    Answer.id,
    Answer.session_key,
    Answer.question_key,
    Answer.value,
    Answer.language,
    Answer.revision,
    Answer.updated_at,
    Stakeholder.organization,
    Stakeholder.attribution_consent,
    Stakeholder.category,
    Stakeholder.country,
    Stakeholder.subregion,
)


def answers_statement(filters: AnswerFilters, words: str = "") -> Select[Any]:
    """Current answers of consenting stakeholders under the filters, with who gave them."""
    return (
        select(*ANSWER_COLUMNS)
        .join(Stakeholder, Stakeholder.id == Answer.stakeholder_id)
        .where(*stakeholder_conditions(filters), *_answer_conditions(filters, words))
    )


def answer_ids(filters: AnswerFilters, words: str = "") -> Select[Any]:
    """The ids of the answers a page may show; read through indexes where the filters allow."""
    return answers_statement(filters, words).with_only_columns(Answer.id)


async def _keyset_page(
    session: AsyncSession,
    statement: Select[Any],
    id_column: Any,
    before: int | None,
    after: int | None,
    size: int,
) -> Page:
    """Newest first: `before` reads older rows than an id, `after` newer ones.

    `statement` selects the id first; a statement of ids alone can often be answered from an
    index, the rest of the row being read afterwards for the page's rows only (`_rows_by_id`).
    """
    if after is not None:
        statement = statement.where(id_column > after).order_by(id_column.asc())
    else:
        if before is not None:
            statement = statement.where(id_column < before)
        statement = statement.order_by(id_column.desc())
    rows = list(await session.execute(statement.limit(size + 1)))
    more = len(rows) > size
    rows = rows[:size]
    if after is not None:
        rows.reverse()
    if not rows:
        return Page([])
    first, last = rows[0][0], rows[-1][0]
    has_newer = more if after is not None else before is not None
    has_older = more if after is None else True
    return Page(rows, newer=first if has_newer else None, older=last if has_older else None)


async def answers_page(
    session: AsyncSession,
    filters: AnswerFilters,
    words: str = "",
    before: int | None = None,
    after: int | None = None,
    size: int = PAGE_SIZE,
) -> Page:
    """One page of answers under the filters and the words searched for."""
    page = await _keyset_page(session, answer_ids(filters, words), Answer.id, before, after, size)
    full = select(*ANSWER_COLUMNS).join(Stakeholder, Stakeholder.id == Answer.stakeholder_id)
    return await _rows_by_id(session, page, full, Answer.id)


async def _rows_by_id(
    session: AsyncSession, page: Page, statement: Select[Any], id_column: Any
) -> Page:
    """The full rows of a page of ids, in the page's order."""
    ids = [row[0] for row in page.rows]
    if not ids:
        return page
    found = {row[0]: row for row in await session.execute(statement.where(id_column.in_(ids)))}
    return Page([found[i] for i in ids if i in found], newer=page.newer, older=page.older)


async def count_answers(
    session: AsyncSession, filters: AnswerFilters, words: str = "", limit: int = MAX_COUNT
) -> int:
    """How many answers match, counting at most `limit + 1` so a broad search stays cheap."""
    matched = answer_ids(filters, words).limit(limit + 1)
    return int(await session.scalar(select(func.count()).select_from(matched.subquery())) or 0)


PLEDGE_COLUMNS = (
    Pledge.id,
    Pledge.session_key,
    Pledge.title,
    Pledge.objectives,
    Pledge.partners,
    Pledge.timeline,
    Pledge.language,
    Pledge.created_at,
    Stakeholder.organization,
    Stakeholder.attribution_consent,
    Stakeholder.category,
    Stakeholder.country,
    Stakeholder.subregion,
)


async def pledges_page(
    session: AsyncSession,
    before: int | None = None,
    after: int | None = None,
    size: int = PAGE_SIZE,
) -> Page:
    """Pledges of consenting stakeholders whose answer is current (or which stand alone)."""
    statement = (
        select(*PLEDGE_COLUMNS)
        .join(Stakeholder, Stakeholder.id == Pledge.stakeholder_id)
        .outerjoin(Answer, Answer.id == Pledge.answer_id)
        .where(Stakeholder.consented_at.is_not(None), pledge_stands())
    )
    return await _keyset_page(session, statement, Pledge.id, before, after, size)


async def broadcasts_page(
    session: AsyncSession,
    before: int | None = None,
    after: int | None = None,
    size: int = PAGE_SIZE,
) -> Page:
    """Broadcasts newest first, each with its delivery outcomes."""
    statement = select(
        Broadcast.id,
        Broadcast.created_by,
        Broadcast.created_at,
        Broadcast.audience,
        Broadcast.texts,
        Broadcast.recipients,
    )
    page = await _keyset_page(session, statement, Broadcast.id, before, after, size)
    rows = await with_counts(session, page.rows)
    return Page(rows, newer=page.newer, older=page.older)
