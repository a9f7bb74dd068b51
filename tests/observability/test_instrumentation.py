"""The engine, the outbox sender and the scheduler feed the metrics and the per-update log line."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from bot.core.delivery import PermanentFailure, RateLimited, TransientFailure, Unreachable
from bot.engine import Engine
from bot.observability.metrics import REGISTRY
from bot.outbox.scheduler import ReminderScheduler
from storage.db import Database
from tests.dialog import Dialog, register
from tests.outbox.helpers import FakeClock, RecordingTransport, make_pack
from tests.outbox.test_sender import queue, sender
from tests.scheduler.test_scheduler import FORUM_START, roadmap, subscribers


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


class Counts:
    """Metric values before a step, so a test reads what the step added (the registry is global)."""

    def __init__(self, *series: tuple[str, dict[str, str]]) -> None:
        self.series = series
        self.before = [value(name, **labels) for name, labels in series]

    def added(self) -> list[float]:
        now = [value(name, **labels) for name, labels in self.series]
        return [after - before for before, after in zip(self.before, now, strict=True)]


def updates(flow: str, outcome: str) -> tuple[str, dict[str, str]]:
    return "consultbot_updates_total", {"platform": "console", "flow": flow, "outcome": outcome}


async def test_each_update_is_counted_timed_and_logged_without_its_text(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """A handled update and its redelivery: counted by outcome, one line each, no text in it."""
    dialog = Dialog(engine, user_id="metrics-1")
    await register(dialog)
    await dialog.command("/consult inclusion")
    await dialog.tap(dialog.choices[0].label)  # an objective: the consultation flow goes on
    counts = Counts(
        updates("consultation", "handled"),
        updates("none", "duplicate"),  # a redelivery is dropped before any state is read
        ("consultbot_update_duration_seconds_count", {"platform": "console"}),
    )
    caplog.set_level(logging.INFO, logger="bot.observability.updates")
    caplog.clear()  # registration's lines, where an earlier test left the logger at INFO
    await dialog.say("Nuestra red confidencial", update_id="metrics-dup")
    await dialog.say("Nuestra red confidencial", update_id="metrics-dup")
    assert counts.added() == [1.0, 1.0, 2.0]
    lines = [r for r in caplog.records if r.name == "bot.observability.updates"]
    seen = [(r.__dict__["flow"], r.__dict__["outcome"], r.__dict__["update_id"]) for r in lines]
    assert seen == [
        ("consultation", "handled", "metrics-dup"),
        ("none", "duplicate", "metrics-dup"),
    ]
    assert "confidencial" not in caplog.text and "metrics-1" not in caplog.text


async def test_a_failing_flow_counts_as_an_error(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A bug while routing: the apology, outcome=error under the flow it arrived in, a WARNING."""

    async def broken(_ctx: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr("bot.engine.engine.route", broken)
    counts = Counts(updates("idle", "error"))
    caplog.set_level(logging.INFO, logger="bot.observability.updates")
    replies = await Dialog(engine, user_id="metrics-2").command("/help")
    assert [reply.key for reply in replies] == ["error.internal"]
    assert counts.added() == [1.0]
    [line] = [r for r in caplog.records if r.name == "bot.observability.updates"]
    assert line.levelno == logging.WARNING and line.__dict__["outcome"] == "error"


def sends(kind: str, outcome: str) -> tuple[str, dict[str, str]]:
    labels = {"platform": "console", "kind": kind, "outcome": outcome}
    return "consultbot_outbox_sends_total", labels


async def test_sends_are_counted_by_outcome(db: Database) -> None:
    """Sent, 429, unreachable, retried and failed sends each land in their own series."""
    clock = FakeClock()
    transport = RecordingTransport(clock)
    transport.errors = {
        "chat2": [RateLimited(3)],
        "chat3": [Unreachable("blocked")],
        "chat4": [TransientFailure("502")],
        "chat5": [PermanentFailure("400")],
    }
    await queue(db, clock, [1, 2, 3, 4, 5])
    counts = Counts(
        sends("broadcast", "sent"),
        sends("broadcast", "rate_limited"),
        sends("broadcast", "unreachable"),
        sends("broadcast", "retry"),
        sends("broadcast", "failed"),
        ("consultbot_rate_limited_total", {"platform": "console"}),
        ("consultbot_rate_limited_pause_seconds_total", {"platform": "console"}),
    )
    await sender(db, clock, transport, rate_per_second=1000).drain()
    # chat2 is sent after its pause; chat4's retry waits out its backoff past this drain
    assert counts.added() == [2.0, 1.0, 1.0, 1.0, 1.0, 1.0, 3.0]


async def test_reminders_queued_and_sent_are_counted(db: Database) -> None:
    """A tick queues two reminders, the sender delivers them: both show, and the tick's time."""
    await subscribers(db)
    clock = FakeClock(FORUM_START - dt.timedelta(days=1))
    counts = Counts(
        ("consultbot_scheduler_queued_total", {"kind": "reminder"}),
        sends("reminder", "sent"),
        ("consultbot_reminders_sent_total", {"platform": "console"}),
    )
    before = dt.datetime.now(dt.UTC).timestamp()
    await ReminderScheduler(db, make_pack(roadmap()), clock).tick()
    await sender(db, clock, RecordingTransport(clock), rate_per_second=1000).drain()
    assert counts.added() == [2.0, 2.0, 2.0]
    assert value("consultbot_scheduler_last_tick_timestamp_seconds") >= before


async def test_a_newcomers_first_message_is_counted_as_registration(engine: Engine) -> None:
    """Whatever a stranger writes first starts registration, and is counted under it."""
    counts = Counts(updates("registration", "handled"), updates("idle", "handled"))
    await Dialog(engine, user_id="metrics-3").say("hola")
    assert counts.added() == [1.0, 0.0]
