"""Flood control: one person sending 50 messages a second is slowed, told once; others are not."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from bot.core.flood import BURST, FloodGate
from bot.core.messages import InboundKind, Outcome
from bot.engine.engine import Engine
from storage.models import ProcessedUpdate
from tests.dialog import Dialog, register


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_flood_is_slowed_with_one_notice_in_the_users_language(engine: Engine) -> None:
    """50 messages in one second: BURST handled, the rest set aside, one notice in Spanish."""
    clock = Clock()
    engine.flood = FloodGate(clock=clock)
    flooder = Dialog(engine, user_id="flooder", locale="en")
    await register(flooder, language="es")
    clock.now += 3600  # registration long ago: a full allowance
    outcomes, notices = [], []
    for number in range(50):
        clock.now += 0.02
        handled = await engine.process(flooder._inbound(InboundKind.TEXT, text=f"m{number}"))
        outcomes.append(handled.outcome)
        notices += [reply for reply in handled.replies if reply.key == "flood.slow_down"]
    handled = outcomes.count(Outcome.HANDLED)
    assert BURST <= handled <= BURST + 1  # the burst, and at most one second's refill
    assert outcomes.count(Outcome.THROTTLED) == 50 - handled
    assert len(notices) == 1 and "rápido" in notices[0].text
    clock.now += 30
    assert (await flooder.say("calm again"))[0].key != "flood.slow_down"


async def test_others_are_not_slowed_by_a_flood(engine: Engine) -> None:
    """While one person floods, another's every message is handled as usual."""
    engine.flood = FloodGate()
    flooder, other = Dialog(engine, user_id="flooder"), Dialog(engine, user_id="other")
    await register(other)

    async def flood() -> list[Outcome]:
        inbounds = [flooder._inbound(InboundKind.TEXT, text=f"m{n}") for n in range(150)]
        return [(await engine.process(inbound)).outcome for inbound in inbounds]

    async def calm() -> list[str]:
        keys = []
        for command in ("/help", "/roadmap", "/profile", "/help", "/roadmap"):
            keys += [reply.key for reply in await other.command(command)]
        return keys

    async def processed() -> int:
        async with engine.database.transaction() as session:
            return await session.scalar(select(func.count()).select_from(ProcessedUpdate)) or 0

    before = await processed()
    outcomes, keys = await asyncio.gather(flood(), calm())
    assert Outcome.THROTTLED in outcomes
    assert "flood.slow_down" not in keys and "error.internal" not in keys
    stored = await processed() - before
    assert stored < 150 + 20  # the set-aside updates were not stored
    assert stored == 5 + outcomes.count(Outcome.HANDLED)  # the calm five and the flood let in
