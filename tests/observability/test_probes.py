"""/healthz, /readyz and /metrics on the one ASGI app, against real databases."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from bot.web import build_web_app
from storage import outbox
from storage.db import Database
from tests.fakes.serving import free_port
from tests.outbox.helpers import add_stakeholders, stakeholder_row


async def get(database: Database | None, path: str, **headers: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=build_web_app([], database))
    async with httpx.AsyncClient(transport=transport, base_url="http://bot") as client:
        return await client.get(path, headers=headers)


def samples(body: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }


async def test_alive_without_a_database() -> None:
    """/healthz answers as long as the process serves HTTP."""
    response = await get(None, "/healthz")
    assert (response.status_code, response.text) == (200, "ok")


async def test_ready_on_a_migrated_database(db: Database) -> None:
    """/readyz is 200 when the database answers and is at the code's migrations."""
    response = await get(db, "/readyz")
    assert response.status_code == 200 and response.text.startswith("ready")


async def test_not_ready_before_migrations(tmp_path: Path) -> None:
    """A reachable database that was never migrated is not ready, and says why."""
    fresh = Database(f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}")
    try:
        response = await get(fresh, "/readyz")
    finally:
        await fresh.dispose()
    assert response.status_code == 503
    assert "schema not current: database at none" in response.text


async def test_not_ready_when_the_database_is_unreachable() -> None:
    """No server at the database's address: 503, naming the kind of error and no address."""
    gone = Database(f"postgresql+asyncpg://consultbot:pw@127.0.0.1:{free_port()}/consultbot")
    try:
        response = await get(gone, "/readyz")
        metrics = await get(gone, "/metrics")
    finally:
        await gone.dispose()
    assert response.status_code == 503 and response.text.startswith("database unreachable")
    assert "127.0.0.1" not in response.text and "pw" not in response.text
    assert samples(metrics.text)[("consultbot_database_up", ())] == 0.0


async def test_metrics_show_the_outbox_backlog(db: Database) -> None:
    """Queued and claimed messages and the oldest one's age are read from the database."""
    now = dt.datetime.now(dt.UTC)
    [stakeholder] = await add_stakeholders(db, [stakeholder_row(1)])
    messages = [
        outbox.NewMessage(f"probe:{n}", "broadcast", stakeholder, "console", "chat1", "hi")
        for n in range(3)
    ]
    async with db.transaction() as session:
        await outbox.enqueue(session, messages, now - dt.timedelta(minutes=5))
        await outbox.claim(session, "probe", now, dt.timedelta(minutes=1), 1, ["console"])
    response = await get(db, "/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    found = samples(response.text)
    assert found[("consultbot_outbox_depth", (("status", "queued"),))] == 2
    assert found[("consultbot_outbox_depth", (("status", "sending"),))] == 1
    assert 300 <= found[("consultbot_outbox_oldest_age_seconds", ())] < 400
    assert found[("consultbot_database_up", ())] == 1.0


async def test_metrics_speak_openmetrics_when_asked(sqlite_db: Database) -> None:
    """A scraper that accepts OpenMetrics gets it; one that says nothing gets text 0.0.4."""
    accept = "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5"
    negotiated = await get(sqlite_db, "/metrics", accept=accept)
    assert negotiated.headers["content-type"].startswith("application/openmetrics-text")
    assert negotiated.text.rstrip().endswith("# EOF")
    plain = await get(sqlite_db, "/metrics")
    assert plain.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
