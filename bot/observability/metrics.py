"""The Prometheus metrics, in a registry of our own, and the one-line calls that feed them.

docs/operations.md says what each metric means and which values call for action.
"""

from __future__ import annotations

import time
from importlib import metadata
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Info,
    disable_created_metrics,
    gc_collector,
    platform_collector,
    process_collector,
)
from prometheus_client.exposition import choose_encoder

# The *_created series only repeat what a first scrape shows.
disable_created_metrics()  # type: ignore[no-untyped-call]  # unannotated in prometheus_client
REGISTRY = CollectorRegistry()
process_collector.ProcessCollector(registry=REGISTRY)
platform_collector.PlatformCollector(registry=REGISTRY)
gc_collector.GCCollector(registry=REGISTRY)

BUILD = Info("consultbot_build", "The running version and consultation pack.", registry=REGISTRY)
UPDATES = Counter(
    "consultbot_updates",
    "Inbound updates by platform, flow and outcome (handled, duplicate, error, gave_up).",
    ["platform", "flow", "outcome"],
    registry=REGISTRY,
)
UPDATE_SECONDS = Histogram(
    "consultbot_update_duration_seconds",
    "Time from an update reaching the engine to its replies being ready.",
    ["platform"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
    registry=REGISTRY,
)
SENDS = Counter(
    "consultbot_outbox_sends",
    "Outbox send attempts by platform, message kind and outcome.",
    ["platform", "kind", "outcome"],
    registry=REGISTRY,
)
RATE_LIMITED = Counter(
    "consultbot_rate_limited",
    "429 answers (flood control) the outbox received, by platform.",
    ["platform"],
    registry=REGISTRY,
)
RATE_LIMIT_PAUSE = Counter(
    "consultbot_rate_limited_pause_seconds",
    "Seconds of pause the platforms asked for in their 429 answers.",
    ["platform"],
    registry=REGISTRY,
)
REMINDERS_SENT = Counter(
    "consultbot_reminders_sent",
    "Roadmap reminders delivered to a stakeholder, by platform.",
    ["platform"],
    registry=REGISTRY,
)
QUEUED = Counter(
    "consultbot_scheduler_queued",
    "Messages the reminder scheduler put in the outbox, by kind (reminder, roadmap_change).",
    ["kind"],
    registry=REGISTRY,
)
LAST_TICK = Gauge(
    "consultbot_scheduler_last_tick_timestamp_seconds",
    "When the reminder scheduler last finished a tick (Unix time).",
    registry=REGISTRY,
)
OUTBOX_DEPTH = Gauge(
    "consultbot_outbox_depth",
    "Messages not yet delivered, by status (queued, sending); read from the database.",
    ["status"],
    registry=REGISTRY,
)
OUTBOX_AGE = Gauge(
    "consultbot_outbox_oldest_age_seconds",
    "Age of the oldest message not yet delivered (0 when the outbox is empty).",
    registry=REGISTRY,
)
DATABASE_UP = Gauge(
    "consultbot_database_up",
    "1 when the last scrape could read the database, else 0.",
    registry=REGISTRY,
)


def record_build(pack: str) -> None:
    """Say which version serves which pack, for dashboards that span an upgrade."""
    try:
        version = metadata.version("consultbot")
    except metadata.PackageNotFoundError:
        version = "unknown"
    BUILD.info({"version": version, "pack": pack})


_children: dict[tuple[str, ...], Any] = {}  # labelled metrics, looked up once per label set


def _child(metric: Any, *labels: str) -> Any:
    key = (metric._name, *labels)
    found = _children.get(key)
    if found is None:
        found = _children[key] = metric.labels(*labels)
    return found


def record_update(platform: str, flow: str, outcome: str, seconds: float) -> None:
    _child(UPDATES, platform, flow or "none", outcome).inc()
    _child(UPDATE_SECONDS, platform).observe(seconds)


def record_send(platform: str, kind: str, outcome: str) -> None:
    """One outbox send attempt: sent, retry, failed, unreachable, skipped, rate_limited,
    no_template or outside_window (WhatsApp's 24-hour window)."""
    SENDS.labels(platform, kind, outcome).inc()
    if kind == "reminder" and outcome == "sent":
        REMINDERS_SENT.labels(platform).inc()


def record_rate_limit(platform: str, retry_after: float) -> None:
    RATE_LIMITED.labels(platform).inc()
    RATE_LIMIT_PAUSE.labels(platform).inc(max(retry_after, 0.0))


def record_tick(reminders: int, changes: int) -> None:
    """A scheduler tick ended: what it queued, and that it is alive."""
    QUEUED.labels("reminder").inc(reminders)
    QUEUED.labels("roadmap_change").inc(changes)
    LAST_TICK.set(time.time())


def record_outbox(queued: int, sending: int, oldest_age: float) -> None:
    OUTBOX_DEPTH.labels("queued").set(queued)
    OUTBOX_DEPTH.labels("sending").set(sending)
    OUTBOX_AGE.set(max(oldest_age, 0.0))


def record_database_up(up: bool) -> None:
    DATABASE_UP.set(1 if up else 0)


def exposition(accept: str = "") -> tuple[bytes, str]:
    """The registry in the format the scraper's Accept header asks for, with its content type."""
    encode, content_type = choose_encoder(accept)
    return encode(REGISTRY), content_type
