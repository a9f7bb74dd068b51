"""Where the full stack's CPU goes: py-spy samples `consultbot run` under the Telegram load.

`make profile` (or `python -m tests.benchmarks.profile_stack [DIR]`) starts the fake Bot API and
consultbot as the full-stack benchmark does, attaches py-spy once the bot polls, plays the 200
stakeholders, and sorts every sample into one part of the stack by the innermost frame that
belongs to one (a regex on the file path). It prints the table docs/benchmarks.md quotes and
keeps py-spy's raw stacks (flamegraph input) and the top functions in DIR.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from tests.benchmarks.measure import child
from tests.benchmarks.stakeholder import updates_per_walk, walk
from tests.benchmarks.telegram_load import BenchTelegram, run_clients
from tests.benchmarks.test_telegram_bench import PACK, USERS, consultbot_client, consultbot_env

# Innermost matching frame wins; the order only breaks ties within one frame.
PARTS: list[tuple[str, str]] = [
    ("aiosqlite (hand-off to its thread, sqlite3 calls)", r"aiosqlite/|sqlite3"),
    ("SQLAlchemy ORM (session, unit of work, loading)", r"sqlalchemy/orm/"),
    ("SQLAlchemy Core (compile, execute, results)", r"sqlalchemy/(sql|engine|dialects|pool)/"),
    (
        "SQLAlchemy async bridge (greenlet)",
        r"sqlalchemy/(ext/asyncio|util/concurrency|util/_concurrency)|greenlet",
    ),
    ("i18n (gettext catalogs, Babel)", r"bot/core/i18n|gettext|babel/"),
    ("pack lookups", r"bot/pack/"),
    (
        "engine and handlers (flows, rendering replies)",
        r"handlers/|bot/core/(engine|text|messages)",
    ),
    ("transport mapping (to_inbound, render)", r"bot/transports/telegram/mapping"),
    ("transport (our PTB adapter)", r"bot/transports/telegram/transport"),
    (
        "PTB parsing (Update.de_json, TelegramObject)",
        r"telegram/_(update|message|callbackquery|user|chat|telegramobject|files|utils/datetime|utils/types)|telegram/_utils/",
    ),
    ("PTB dispatch and request building", r"telegram/(ext/|_bot|request/)"),
    (
        "HTTP client (httpx, httpcore, h11, anyio)",
        r"httpx/|httpcore/|h11/|anyio/|sniffio|certifi|idna",
    ),
    ("logging", r"/logging/"),
    ("JSON", r"/json/"),
    ("asyncio event loop and sockets", r"asyncio/|selectors|socket|ssl"),
    ("outbox sender and scheduler (idle polls)", r"bot/outbox/"),
    ("web server (uvicorn, starlette)", r"uvicorn/|starlette/"),
]
_FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^:()]*):?\d*\)$")


def part_of(stack: list[str]) -> str:
    """The part of the stack a sample belongs to: the innermost frame that matches one."""
    for frame in reversed(stack):
        match = _FRAME.match(frame)
        path = match["file"] if match else frame
        for name, pattern in PARTS:
            if re.search(pattern, path):
                return name
    return "other (interpreter, imports, unattributed)"


def breakdown(raw: Path) -> tuple[Counter[str], Counter[str], int]:
    parts: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack_text, _, count_text = line.rpartition(" ")
        if not stack_text or not count_text.isdigit():
            continue  # a frame name py-spy printed across lines
        count = int(count_text)
        stack = stack_text.split(";")
        parts[part_of(stack)] += count
        leaves[stack[-1]] += count
        total += count
    return parts, leaves, total


def thread_cpu(pid: int) -> dict[int, float]:
    """CPU seconds of each thread of a process, from /proc/<pid>/task/<tid>/stat."""
    ticks = os.sysconf("SC_CLK_TCK")
    found = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
            found[int(task.name)] = (int(fields[11]) + int(fields[12])) / ticks
    return found


async def _load(
    api: BenchTelegram, process: subprocess.Popen[bytes], raw: Path
) -> tuple[int, float, float]:
    """Play the load under py-spy; return updates, main-thread and other-thread CPU seconds."""
    api.bind(asyncio.get_running_loop())
    await api.until_polled(process)
    spy = subprocess.Popen(
        [str(Path(sys.executable).with_name("py-spy")), "record", "--pid", str(process.pid),
         "--rate", "200", "--format", "raw", "--output", str(raw), "--nonblocking", "--gil"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    await asyncio.sleep(1.0)  # py-spy attaches
    before = thread_cpu(process.pid)
    clients = [consultbot_client(api, n) for n in range(USERS)]
    await run_clients(clients, lambda client, n: walk(client, PACK, n), parallel=USERS)
    after = thread_cpu(process.pid)
    spy.send_signal(signal.SIGINT)
    spy.wait(60)
    used = {tid: cpu - before.get(tid, 0.0) for tid, cpu in after.items()}
    main = used.pop(process.pid, 0.0)
    return sum(client.updates for client in clients), main, sum(used.values())


async def statements_per_update(directory: Path, users: int = 20) -> tuple[Counter[str], int]:
    """SQL statements by verb over the engine-alone walk (BEGIN counts the transactions)."""
    from sqlalchemy import event

    from storage.db import Database
    from tests.benchmarks.stakeholder import walk as walk_engine
    from tests.dialog import Dialog, make_engine

    database = Database(f"sqlite+aiosqlite:///{directory / 'statements.db'}")
    await database.upgrade()
    verbs: Counter[str] = Counter()

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        verbs[statement.split(None, 1)[0].upper()] += 1

    event.listen(database.engine.sync_engine, "before_cursor_execute", count)
    engine = make_engine(database, PACK, directory)
    for number in range(users):
        await walk_engine(Dialog(engine, user_id=f"count-{number}"), PACK, number)
    await database.dispose()
    return verbs, users * updates_per_walk(PACK)


def main(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    raw = directory / "full-stack.pyspy.txt"
    with BenchTelegram() as api:
        env = consultbot_env(api, directory)
        with child(["-m", "bot", "run"], directory, directory / "consultbot.log", **env) as bot:
            updates, main, others = asyncio.run(_load(api, bot, raw))
        methods = Counter(call.method for call in api.calls if call.method != "getUpdates")
    parts, leaves, total = breakdown(raw)
    print("Bot API calls per update: " + ", ".join(
        f"{method} {count / updates:.2f}" for method, count in methods.most_common()))  # fmt: skip
    verbs, counted = asyncio.run(statements_per_update(directory))
    print("SQL statements per update (engine alone): " + ", ".join(
        f"{verb} {count / counted:.2f}" for verb, count in verbs.most_common()))  # fmt: skip
    ms = 1000 / updates
    print(f"CPU per update: {ms * (main + others):.2f} ms = main thread (event loop: PTB, engine, ")
    print(f"ORM, HTTP) {ms * main:.2f} ms + other threads (aiosqlite: SQLite) {ms * others:.2f} ms")
    print(f"{total} samples holding the GIL over {updates} updates (py-spy --gil, 200 Hz)\n")
    print("| part of the stack | share of CPU samples |\n|---|---|")
    for name, count in parts.most_common():
        print(f"| {name} | {100 * count / total:.1f} % |")
    top = "\n".join(f"{100 * n / total:5.1f} %  {leaf}" for leaf, n in leaves.most_common(40))
    (directory / "top-functions.txt").write_text(top + "\n")
    print(f"\ntop functions (innermost frame): {directory / 'top-functions.txt'}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="profile-")))
