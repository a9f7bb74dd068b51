"""The dashboard's heavy queries run on indexes, on both backends (EXPLAIN, not a stopwatch).

SQLite plans without statistics, as the bot runs it; PostgreSQL is asked with table scans
discouraged, since on a small test table it would rightly prefer them: the question here is
whether an index can serve the query, which is what keeps it fast at 200,000 answers
(tests/benchmarks/test_dashboard_bench.py measures that).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.export.filters import ExportFilters
from storage import dashboard, dashboard_pages
from storage.db import Database
from storage.models import Answer


async def plan(db: Database, statement: Select[Any]) -> str:
    """The backend's plan of `statement`, as one string."""
    async with db.transaction() as session:
        compiled = statement.compile(
            dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True}
        )
        if db.is_sqlite:
            rows = await session.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))
            return "\n".join(str(row[-1]) for row in rows)
        await _discourage_seqscan(session)
        rows = await session.execute(text(f"EXPLAIN {compiled}"))
        return "\n".join(str(row[0]) for row in rows)


async def _discourage_seqscan(session: AsyncSession) -> None:
    """Table scans (plain or bitmap) priced out, so the plan shows which index can serve."""
    await session.execute(text("SET LOCAL enable_seqscan = off"))
    await session.execute(text("SET LOCAL enable_bitmapscan = off"))


def page_of(statement: Select[Any]) -> Select[Any]:
    """As `_keyset_page` reads it: newest first, one page."""
    return statement.order_by(Answer.id.desc()).limit(dashboard_pages.PAGE_SIZE + 1)


async def test_who_started_each_session_reads_one_index(db: Database) -> None:
    """Distinct stakeholders per session come from ix_answers_session_stakeholder alone."""
    found = await plan(db, dashboard.started_statement())
    assert "ix_answers_session_stakeholder" in found
    assert ("COVERING INDEX" if db.is_sqlite else "Index Only Scan") in found


async def test_answers_per_question_read_one_index(db: Database) -> None:
    """Current answers per question come from ix_answers_current alone."""
    found = await plan(db, dashboard.answered_statement())
    assert "ix_answers_current" in found
    assert ("COVERING INDEX" if db.is_sqlite else "Index Only Scan") in found


async def test_skips_are_counted_on_the_partial_index(db: Database) -> None:
    """The skipped answers' count reads the small partial index, not the table."""
    found = await plan(db, dashboard.skipped_statement(db.is_sqlite))
    assert "ix_answers_skipped" in found


async def test_the_first_page_walks_the_primary_key(db: Database) -> None:
    """Unfiltered, a page reads answers newest first by id and stops: no sort of the table."""
    found = await plan(db, page_of(dashboard_pages.answer_ids(ExportFilters())))
    if db.is_sqlite:
        assert "SCAN answers" in found and "TEMP B-TREE" not in found
    else:
        assert "Index Scan Backward using pk_answers" in found


async def test_a_session_page_reads_the_session_index(db: Database) -> None:
    """Filtered by session, the candidate ids come from an index, not a scan of answers."""
    by_session = dashboard_pages.answer_ids(ExportFilters(sessions=("drivers",)))
    found = await plan(db, page_of(by_session))
    if db.is_sqlite:
        assert "SEARCH answers USING COVERING INDEX ix_answers_session_stakeholder" in found
    else:
        assert "Seq Scan on answers" not in found
