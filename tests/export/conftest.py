"""Fixtures of the export suite: its own pack and a seeded database on both backends."""

from __future__ import annotations

import pytest

from bot.pack import Pack, load_pack
from storage.db import Database
from tests.export.seed import Seed, make_pack, seed


@pytest.fixture(scope="session")
def pack() -> Pack:
    """This suite's own pack (overrides the bundled lac-2025 fixture)."""
    return make_pack()


@pytest.fixture
async def seeded(db: Database) -> Seed:
    """The `db` fixture (SQLite and PostgreSQL) with the seed stored."""
    return await seed(db)


@pytest.fixture(scope="session")
def lac() -> Pack:
    """The bundled lac-2025 pack, for the tests of its four languages."""
    return load_pack("lac-2025")
