"""Stand-ins for the engine on the receiving side of a transport, and a way to run one."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager

from bot.core.messages import Handled, Inbound, Reply
from bot.core.ordering import Sequencer
from bot.transports.base import Receiver, Startup, Transport

Dispatch = Callable[[Inbound], Awaitable[list[Reply]]]


class DispatchReceiver:
    """A receiver that orders like the engine and answers with whatever `dispatch` returns."""

    def __init__(self, dispatch: Dispatch) -> None:
        self.dispatch = dispatch
        self.sequencer = Sequencer()

    def ordered(self, platform: str, user_id: str) -> AbstractAsyncContextManager[None]:
        return self.sequencer.ordered((platform, user_id))

    async def process(self, inbound: Inbound) -> Handled:
        return Handled(await self.dispatch(inbound))


def receiver_of(dispatch: Dispatch | Receiver) -> Receiver:
    """A receiver as it is, or a bare dispatch function wrapped in one."""
    if hasattr(dispatch, "process") and hasattr(dispatch, "ordered"):
        return dispatch  # type: ignore[return-value]  # it has the receiver's methods
    return DispatchReceiver(dispatch)  # type: ignore[arg-type]  # what is left is a dispatch


@contextlib.asynccontextmanager
async def running(
    transport: Transport, dispatch: Dispatch | Receiver, **startup: object
) -> AsyncIterator[asyncio.Task[None]]:
    """Start the transport with `dispatch` behind it and serve until the block ends."""
    task = asyncio.create_task(serve(transport, receiver_of(dispatch), **startup))
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def serve(transport: Transport, receiver: Receiver, **startup: object) -> None:
    """start, serve until cancelled, stop: what `consultbot run` does with each transport."""
    try:
        await transport.start(Startup(receiver, **startup))  # type: ignore[arg-type]  # Startup's fields
        await transport.serve()
    finally:
        await transport.stop()
