"""Crash safety: a sender killed with SIGKILL mid-broadcast and restarted loses nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from storage.broadcasts import Audience, create_broadcast
from storage.db import Database
from tests.outbox.helpers import START, add_stakeholders, stakeholder_row
from tests.outbox.sigkill_sender import IN_FLIGHT

ROOT = Path(__file__).resolve().parents[2]
RECIPIENTS = 400


def start_sender(url: str, out: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "tests.outbox.sigkill_sender", url, str(out)]
    return subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE)


def lines(out: Path) -> list[str]:
    return out.read_text(encoding="utf-8").splitlines() if out.exists() else []


def kill_after(process: subprocess.Popen[bytes], out: Path, delivered: int) -> int:
    """SIGKILL the sender once the file shows `delivered` lines; return its exit code."""
    deadline = time.monotonic() + 30
    while len(lines(out)) < delivered and process.poll() is None:
        assert time.monotonic() < deadline, "the sender made no progress"
        time.sleep(0.005)
    os.kill(process.pid, signal.SIGKILL)
    return process.wait(timeout=10)


@pytest.mark.slow
async def test_sigkill_mid_broadcast_then_restart_delivers_everything(
    sqlite_db: Database, tmp_path: Path
) -> None:
    """Two senders killed mid-broadcast, a third finishes: all delivered, and each kill doubles
    at most the messages that were in flight (the policy's concurrency)."""
    rows = (stakeholder_row(n) for n in range(RECIPIENTS))
    await add_stakeholders(sqlite_db, rows)
    async with sqlite_db.transaction() as session:
        queued = await create_broadcast(
            session,
            texts={"es": "hola", "en": "hello"},
            audience=Audience(),
            languages=["es", "en"],
            default_language="es",
            created_by="console:ana",
            now=START,
        )
    out = tmp_path / "delivered.txt"
    first = kill_after(start_sender(sqlite_db.url, out), out, RECIPIENTS // 4)
    second = kill_after(start_sender(sqlite_db.url, out), out, RECIPIENTS // 2)
    delivered_before_restart = len(lines(out))
    last = start_sender(sqlite_db.url, out)
    _, errors = last.communicate(timeout=60)
    seen = Counter(lines(out))
    assert (first, second) == (-signal.SIGKILL, -signal.SIGKILL)  # killed, not finished
    assert delivered_before_restart < RECIPIENTS
    assert last.returncode == 0, errors.decode()
    assert queued.recipients == RECIPIENTS
    assert set(seen) == {f"chat{n} hola" for n in range(RECIPIENTS)}
    assert sum(seen.values()) - len(seen) <= 2 * IN_FLIGHT
