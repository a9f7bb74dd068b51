"""A webhook burst: 200 stakeholders through `/telegram/webhook`, 50 requests at a time.

consultbot runs as `consultbot run` in webhook mode (uvicorn, PTB, engine, database, replies to
the fake Bot API); the generator POSTs each update as Telegram would and times the answer, which
comes only once the update is handled and its replies sent. Updates per second and the 99th
percentile latency, on SQLite and (with TEST_DATABASE_URL) PostgreSQL.
Run alone with `make bench BENCH=tests/benchmarks/test_webhook_bench.py`.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.core.messages import Choice
from bot.transports.telegram.transport import SECRET_HEADER, WEBHOOK_PATH
from tests.benchmarks.measure import RESULTS, Figure, Stopwatch, child, on_issue_machine, slowdown
from tests.benchmarks.stakeholder import updates_per_walk, walk
from tests.benchmarks.telegram_load import BenchTelegram, TelegramUser, run_clients
from tests.benchmarks.test_telegram_bench import PACK, USERS, consultbot_env
from tests.conftest import POSTGRES_URL, create_postgres_database, drop_postgres_database
from tests.fakes import telegram_api as fake
from tests.fakes.serving import free_port

CONCURRENT = 50
SECRET = "bench-webhook-secret"


@dataclass
class WebhookUser(TelegramUser):
    """A client whose updates Telegram POSTs to the bot's webhook, the answer timed."""

    url: str = ""
    http: Any = None
    latencies: list[float] = field(default_factory=list)

    async def push(self, update: dict[str, Any]) -> None:
        update = {"update_id": self.api.next_update_id(), **update}
        before = len(self.api.sent(self.chat))
        self.updates += 1
        start = time.perf_counter()
        async with self.http.post(self.url, json=update, headers={SECRET_HEADER: SECRET}) as answer:
            assert answer.status == 200, answer.status
        self.latencies.append(time.perf_counter() - start)
        await self.api.until_sent(self.chat, before + 1)  # replies are sent before the 200
        shown = [m for m in self.api.sent(self.chat)[before:] if m.params.get("reply_markup")]
        if shown:
            buttons = fake.iter_buttons(shown[-1])
            self.choices = [Choice(button["text"], button["callback_data"]) for button in buttons]


async def _ready(base: str, api: BenchTelegram, process: Any) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(600):
            if process.poll() is not None:
                raise RuntimeError(f"the bot exited with {process.returncode}")
            if api.webhook is not None:
                try:
                    async with http.get(base + "/healthz") as answer:
                        if answer.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
            await asyncio.sleep(0.1)
    raise TimeoutError("the bot did not start serving its webhook")


async def _burst(api: BenchTelegram, base: str, process: Any) -> dict[str, float]:
    api.bind(asyncio.get_running_loop())
    await _ready(base, api, process)
    connector = aiohttp.TCPConnector(limit=CONCURRENT)
    async with aiohttp.ClientSession(connector=connector) as http:
        clients = [
            WebhookUser(api, "en" if n % 2 == 0 else "es", url=base + WEBHOOK_PATH, http=http)
            for n in range(USERS)
        ]
        watch = Stopwatch(process.pid)
        watch.start()
        await run_clients(clients, lambda client, n: walk(client, PACK, n), CONCURRENT)
        watch.stop()
    latencies = sorted(latency for client in clients for latency in client.latencies)
    updates = len(latencies)
    return {
        "updates": updates,
        "per_second": updates / watch.wall,
        "p99": latencies[int(0.99 * (updates - 1))],
        "median": statistics.median(latencies),
        "cpu_ms": 1000 * watch.cpu / updates,
    }


def burst(directory: Path, database_url: str | None = None) -> dict[str, float]:
    directory.mkdir(parents=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with BenchTelegram() as api:
        env = consultbot_env(api, directory) | {
            "HTTP_PORT": str(port),
            "TELEGRAM_WEBHOOK_URL": base + WEBHOOK_PATH,
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
        }
        if database_url:
            env["DATABASE_URL"] = database_url
        with child(["-m", "bot", "run"], directory, directory / "consultbot.log", **env) as process:
            return asyncio.run(_burst(api, base, process))


def _record(
    backend: str, figures: dict[str, float], target: tuple[str, str], same_calls_ms: float
) -> None:
    """Both figures, each also as it would be on the issue's machine (the burst is CPU-bound
    there and here: the rate scales with the speed, the latency with its inverse)."""
    factor = slowdown(same_calls_ms)
    RESULTS.add(
        Figure(
            f"webhook burst {backend}, updates per second",
            figures["per_second"],
            "updates/s",
            target=f"{target[0]} on the issue's machine",
            detail=f"there about {figures['per_second'] * factor:.0f} updates/s; "
            f"{int(figures['updates'])} updates, {USERS} users, {CONCURRENT} concurrent; "
            f"CPU {figures['cpu_ms']:.2f} ms per update; {on_issue_machine(same_calls_ms)}",
        )
    )
    RESULTS.add(
        Figure(
            f"webhook burst {backend}, p99 latency",
            1000 * figures["p99"],
            "ms",
            target=f"{target[1]} on the issue's machine",
            detail=f"there about {1000 * figures['p99'] / factor:.0f} ms; "
            f"median {1000 * figures['median']:.0f} ms",
        )
    )


def test_webhook_burst_sqlite(tmp_path: Path, same_calls_ms: float) -> None:
    """Updates per second and p99 latency of a 50-concurrent webhook burst on SQLite."""
    figures = burst(tmp_path / "sqlite")
    _record("SQLite", figures, (">= 350 updates/s", "<= 250 ms"), same_calls_ms)
    assert figures["updates"] == USERS * updates_per_walk(PACK)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    if not POSTGRES_URL:
        pytest.skip("TEST_DATABASE_URL is not set: the PostgreSQL burst is skipped")
    url, name = asyncio.run(create_postgres_database())
    try:
        yield url
    finally:
        asyncio.run(drop_postgres_database(name))


def test_webhook_burst_postgres(tmp_path: Path, postgres_url: str, same_calls_ms: float) -> None:
    """Updates per second and p99 latency of a 50-concurrent webhook burst on PostgreSQL."""
    figures = burst(tmp_path / "postgres", postgres_url)
    _record("PostgreSQL", figures, (">= 250 updates/s", "<= 250 ms"), same_calls_ms)
    assert figures["updates"] == USERS * updates_per_walk(PACK)
