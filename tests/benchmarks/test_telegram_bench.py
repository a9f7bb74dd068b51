"""CPU per update of the whole Telegram stack, beside two bare PTB bots under the same load.

consultbot runs as `consultbot run` does in production (PTB polling, engine, SQLite, replies,
the outbox sender and reminder scheduler idling beside them, INFO logging to a file); the
references are tests/benchmarks/ptb_reference.py. Each serves the same fake Bot API in a child
process, and the same generator plays 200 stakeholders (24 updates each, about 4,800).
Run alone with `make bench BENCH=tests/benchmarks/test_telegram_bench.py`.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.core.messages import Choice
from bot.pack import load_pack
from tests.benchmarks.measure import RESULTS, Figure, Stopwatch, child, rounds
from tests.benchmarks.stakeholder import updates_per_walk, walk
from tests.benchmarks.telegram_load import BenchTelegram, TelegramUser, run_clients
from tests.fakes.serving import free_port

USERS = int(os.environ.get("BENCH_USERS", "200"))
PACK = load_pack("lac-2025")


@dataclass
class EchoUser(TelegramUser):
    """A client of the echo bot: every step is a text message."""

    def __post_init__(self) -> None:
        self.choices = [Choice(f"Option {n}", f"x:{n}") for n in range(4)]

    async def tap(self, label: str) -> None:
        await self.say(label)

    async def attach(self, filename: str) -> None:
        await self.say(filename)


def consultbot_env(api: BenchTelegram, directory: Path) -> dict[str, str]:
    return {
        "DATABASE_URL": f"sqlite+aiosqlite:///{directory / 'consultbot.db'}",
        "CONSULTATION_PACK": "lac-2025",
        "ATTACHMENTS_DIR": str(directory / "files"),
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_BASE_URL": api.base_url,
        "TELEGRAM_API_FILE_URL": api.base_file_url,
        "HTTP_HOST": "127.0.0.1",
        "HTTP_PORT": str(free_port()),
    }


def reference_env(api: BenchTelegram, _directory: Path) -> dict[str, str]:
    return {
        "BENCH_TOKEN": api.token,
        "BENCH_BASE_URL": api.base_url,
        "BENCH_FILE_URL": api.base_file_url,
    }


async def _load(
    api: BenchTelegram, process: subprocess.Popen[bytes], clients: Sequence[TelegramUser]
) -> tuple[float, int]:
    """Wait for the bot's first poll, play the clients, return (CPU seconds, updates)."""
    api.bind(asyncio.get_running_loop())
    await api.until_polled(process)
    watch = Stopwatch(process.pid)
    watch.start()
    await run_clients(list(clients), lambda client, n: walk(client, PACK, n), parallel=len(clients))
    watch.stop()
    return watch.cpu, sum(client.updates for client in clients)


def serve_and_load(
    name: str, args: Sequence[str], env: dict[str, str], directory: Path, make_client: Any
) -> tuple[float, int]:
    """One round: a fresh fake, the bot in a child process, the whole load; ms per update."""
    directory.mkdir(parents=True, exist_ok=True)
    with BenchTelegram() as api:
        clients = [make_client(api, n) for n in range(USERS)]
        with child(args, directory, directory / f"{name}.log", **env(api, directory)) as process:
            cpu, updates = asyncio.run(_load(api, process, clients))
            assert process.poll() is None, f"{name} stopped; see {directory / name}.log"
    return 1000 * cpu / updates, updates


def _best(name: str, args: Sequence[str], env: Any, tmp_path: Path, client: Any) -> float:
    results = [
        serve_and_load(name, args, env, tmp_path / f"{name}-{n}", client) for n in range(rounds())
    ]
    for per_update, updates in results:
        print(f"\n{name}: {per_update:.3f} ms CPU per update over {updates} updates")
    return min(per_update for per_update, _ in results)


def consultbot_client(api: BenchTelegram, number: int) -> TelegramUser:
    language = "en" if number % 2 == 0 else "es"
    return TelegramUser(api, language_code=language, confirmed=True)


def measure_same_calls(directory: Path) -> float:
    """The bare PTB bot that answers each button and sends a message per update: ms of CPU."""
    return _best(
        "ptb-same-calls",
        ["-m", "tests.benchmarks.ptb_reference", "same-calls"],
        reference_env,
        directory,
        lambda api, n: TelegramUser(api, confirmed=False),
    )


def test_full_stack_cpu_per_update(tmp_path: Path, same_calls_ms: float) -> None:
    """consultbot's CPU per update against a bare PTB bot making the same calls, and echo."""
    ours = _best(
        "consultbot",
        ["-m", "bot", "run"],
        consultbot_env,
        tmp_path,
        consultbot_client,
    )
    same = same_calls_ms
    echo = _best(
        "ptb-echo",
        ["-m", "tests.benchmarks.ptb_reference", "echo"],
        reference_env,
        tmp_path,
        lambda api, n: EchoUser(api, confirmed=False),
    )
    updates = USERS * updates_per_walk(PACK)
    RESULTS.add(
        Figure(
            "Telegram full stack, CPU per update",
            ours,
            "ms",
            same,
            "bare PTB bot, same calls",
            "<= 2.5 ms; reference/ours >= 0.50",
            f"reference/ours {same / ours:.2f}; {1000 / ours:.0f} updates per CPU-second; "
            f"{USERS} users, {updates} updates",
        )
    )
    RESULTS.add(Figure("bare PTB echo bot, CPU per update", echo, "ms", same, "same-calls bot"))
    assert ours > 0 and same > 0 and echo > 0
