"""What every transport provides: turn platform updates into Inbound values, render Replies."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from bot.core.messages import Address, Inbound, Reply

# The engine's entry point: handle one update and return the replies to send back at once.
Dispatch = Callable[[Inbound], Awaitable[list[Reply]]]


class Transport(Protocol):
    """A chat platform (Telegram, Slack) or the terminal, as the engine and outbox see it."""

    platform: str

    async def run(self, dispatch: Dispatch) -> None:
        """Receive updates until cancelled, passing each to `dispatch` and sending its replies."""
        ...

    async def send(self, address: Address, reply: Reply) -> None:
        """Deliver one reply; raise a `bot.core.delivery` error when the platform refuses it."""
        ...
