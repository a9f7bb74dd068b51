"""Fixtures of the dashboard suite: the engine and the dashboard over one database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.pack import Pack
from storage.db import Database
from tests.dashboard.site import Site, make_site

URL = "http://testserver/dashboard"


@pytest.fixture
async def site(db: Database, pack: Pack, tmp_path: Path) -> Site:
    """On SQLite, then on PostgreSQL: `org`, `rap` and `lead` (both roles) may sign in."""
    return make_site(db, pack, tmp_path, URL)


@pytest.fixture
async def client(site: Site) -> AsyncIterator[httpx.AsyncClient]:
    async with site.client() as client:
        yield client
