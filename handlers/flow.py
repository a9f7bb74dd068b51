"""Flows declared as tables: each step's prompt, the input it takes, and where it may lead.

A flow is data the engine reads and `consultbot flows graph` draws. `Context.goto` checks every
move against the table, so the drawing cannot drift from what the code does: under the tests an
undeclared move raises, in production it is logged. Going to the main menu (`idle`) is allowed
from anywhere and is not drawn on every step.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from handlers.base import Context

log = logging.getLogger(__name__)

Action = Callable[["Context"], Awaitable[None]]
START = "(start)"  # the pseudo-step a command enters a flow at
IDLE = "idle"


class UndeclaredMove(Exception):
    """A flow moved where its table does not say it may."""


class Transitions:
    """Whether an undeclared move raises (tests) or is only logged (production)."""

    strict = False


@dataclass(frozen=True)
class Step:
    """One step: how it asks, how it takes input, what it accepts and where it may go next.

    A target is a step of the same flow, another flow's name (its entry step ''), or
    `flow/step`.
    """

    prompt: Action
    handle: Action
    accepts: str
    goes_to: tuple[str, ...] = ()


@dataclass(frozen=True)
class Flow:
    """A flow: what its command does first, and its steps (none for one-message flows)."""

    name: str
    start: Action
    summary: str
    steps: Mapping[str, Step] = field(default_factory=lambda: MappingProxyType({}))
    starts_at: tuple[str, ...] = ()
    roles: frozenset[str] = frozenset()  # who may be in it, checked at every update; empty: all

    async def prompt(self, ctx: Context) -> None:
        """Ask the current step again (after /language, a bad input, a stale button)."""
        step = self.steps.get(ctx.position.step)
        await (step.prompt if step else self.start)(ctx)

    async def handle(self, ctx: Context) -> None:
        step = self.steps.get(ctx.position.step)
        await (step.handle if step else self.start)(ctx)

    def targets(self, at: str) -> tuple[str, ...]:
        if at == START:
            return self.starts_at
        step = self.steps.get(at)
        return step.goes_to if step else ()

    def allows(self, at: str, flow: str, step: str) -> bool:
        """Whether moving from step `at` of this flow to (`flow`, `step`) is declared."""
        if flow == IDLE or (flow == self.name and step == at):
            return True
        targets = self.targets(at)
        if flow == self.name:
            return step in targets
        return f"{flow}/{step}" in targets or (not step and flow in targets)


def check_move(flow: Flow, at: str, target_flow: str, target_step: str) -> None:
    if flow.allows(at, target_flow, target_step):
        return
    message = f"{flow.name}:{at} may not go to {target_flow}:{target_step} (not in its table)"
    if Transitions.strict:
        raise UndeclaredMove(message)
    log.error("undeclared move: %s", message)


def one_message(
    name: str, start: Action, summary: str, roles: frozenset[str] = frozenset()
) -> Flow:
    """A flow that answers a command with one message and keeps no step."""
    return Flow(name=name, start=start, summary=summary, roles=roles)
