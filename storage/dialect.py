"""Statements whose SQL differs between SQLite and PostgreSQL, chosen by the session's dialect."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def insert_for(session: AsyncSession, model: Any) -> Any:
    """An INSERT that knows `on_conflict_do_nothing` on the session's backend."""
    assert session.bind is not None
    dialect = session.bind.dialect.name
    return (postgresql if dialect == "postgresql" else sqlite).insert(model)


def greatest(session: AsyncSession, *values: Any) -> Any:
    """The largest of `values` in SQL: GREATEST on PostgreSQL, the many-argument MAX on SQLite."""
    assert session.bind is not None
    return (func.max if session.bind.dialect.name == "sqlite" else func.greatest)(*values)
