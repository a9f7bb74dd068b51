"""One log line and the metrics for each inbound update, fed by one-line calls in the engine.

`@observe_update` wraps the engine's `process`; inside it, `note_flow` and `note_outcome` annotate
the update being handled (through a context variable, so concurrent updates never mix). The line
carries the update id, platform, flow, outcome and duration: never a text, a name or a user id.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

from bot.core.messages import Inbound
from bot.observability.metrics import record_update

log = logging.getLogger(__name__)

HANDLED = "handled"
DUPLICATE = "duplicate"  # a redelivery, ignored
ERROR = "error"  # an unexpected error: nothing committed, the user got the apology
GAVE_UP = "gave_up"  # lost every race for the conversation row: the user got the apology
CANCELLED = "cancelled"  # the process stopped while handling it
# The engine's own verdict (bot.core.messages.Outcome) in the metric's words.
ENGINE_OUTCOMES = {"handled": HANDLED, "duplicate": DUPLICATE, "failed": ERROR}


@dataclass
class UpdateRecord:
    """What is known so far about the update being handled."""

    update_id: str
    platform: str
    flow: str = ""
    outcome: str = ""  # set by note_outcome, else taken from what the engine returns


_current: ContextVar[UpdateRecord | None] = ContextVar("consultbot_update", default=None)

Result = TypeVar("Result")
Process = Callable[[Any, Inbound], Awaitable[Result]]


def observe_update(process: Process[Result]) -> Process[Result]:
    """Decorate the engine's entry point: time it, then log one line and count it by outcome."""

    @functools.wraps(process)
    async def observed(self: Any, inbound: Inbound) -> Result:
        record = UpdateRecord(update_id=str(inbound.update_id), platform=inbound.platform)
        token = _current.set(record)
        started = time.perf_counter()
        try:
            result = await process(self, inbound)
        except asyncio.CancelledError:
            record.outcome = record.outcome or CANCELLED
            raise
        except BaseException:
            record.outcome = record.outcome or ERROR
            raise
        else:
            verdict = str(getattr(result, "outcome", HANDLED))
            record.outcome = record.outcome or ENGINE_OUTCOMES.get(verdict, verdict)
            return result
        finally:
            _current.reset(token)
            finish(record, time.perf_counter() - started)

    return observed


def note_flow(flow: str) -> None:
    """Name the flow that handles the current update (the last call wins)."""
    record = _current.get()
    if record is not None:
        record.flow = flow


def note_outcome(outcome: str) -> None:
    """Say how the current update ended when it is not simply handled."""
    record = _current.get()
    if record is not None:
        record.outcome = outcome


def finish(record: UpdateRecord, seconds: float) -> None:
    record_update(record.platform, record.flow, record.outcome, seconds)
    level = logging.INFO if record.outcome in (HANDLED, DUPLICATE) else logging.WARNING
    if not log.isEnabledFor(level):
        return
    log.log(
        level,
        "update %s platform=%s flow=%s outcome=%s duration_ms=%.1f",
        record.update_id,
        record.platform,
        record.flow or "none",
        record.outcome,
        seconds * 1000,
        extra={
            "update_id": record.update_id,
            "platform": record.platform,
            "flow": record.flow or "none",
            "outcome": record.outcome,
            "duration_ms": round(seconds * 1000, 1),
        },
    )
