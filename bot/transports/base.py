"""What every transport is to the app, and the one way updates go in and replies go out.

A transport maps platform updates to `Inbound` values and renders `Reply` values; it never
touches the database or knows a flow. The app starts it, serves its HTTP routes, runs it, sends
through it (the outbox too) and stops it, all through `Transport`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from starlette.routing import BaseRoute

from bot.core.delivery import DeliveryError, RateLimited, Unreachable
from bot.core.messages import Address, Handled, Inbound, Outcome, Reply

log = logging.getLogger(__name__)

T = TypeVar("T")
REPLY_WAIT = 30.0  # the longest 429 pause an answer waits out (once) rather than drop a reply


class Receiver(Protocol):
    """Where updates go: the engine, which orders, handles and commits them."""

    def ordered(self, platform: str, user_id: str) -> AbstractAsyncContextManager[None]:
        """One person's turn: enter it when an update arrives, before any slow work."""
        ...

    async def process(self, inbound: Inbound) -> Handled: ...


@dataclass(frozen=True)
class Limits:
    """What a platform accepts: sends per second overall and per chat, and a message's size."""

    messages_per_second: float
    per_chat_interval: float = 1.0
    text_length: int = 4096
    # How long after a person's last message free-form messages may reach them (None: always).
    free_form_window: dt.timedelta | None = None


@dataclass(frozen=True)
class Startup:
    """What a transport may need when it starts, beyond its own settings."""

    receiver: Receiver
    languages: Sequence[str] = ()  # the pack's, default first: menus are published in them
    # (platform, user_id) -> roles, from the settings and the roles table: admins' own menus
    roles: Mapping[tuple[str, str], frozenset[str]] = field(default_factory=dict)


class Transport(Protocol):
    """A chat platform, or the terminal, as the app and the outbox see it."""

    platform: str
    limits: Limits

    def routes(self, receiver: Receiver) -> Sequence[BaseRoute]:
        """HTTP routes the shared app serves for this platform (webhooks); none when it polls."""
        ...

    async def start(self, startup: Startup) -> None:
        """Connect and get ready to receive and send (register a webhook, publish menus)."""
        ...

    async def serve(self) -> None:
        """Receive until cancelled: long polling or a socket; webhook-only, just wait."""
        ...

    async def stop(self) -> None:
        """Stop receiving, let in-flight work finish, close connections."""
        ...

    async def send(self, address: Address, reply: Reply) -> None:
        """Deliver one reply; raise a `bot.core.delivery` error when the platform refuses it."""
        ...


def not_kept(inbound: Inbound, problem: str) -> Inbound:
    """The same inbound, its file marked as not fetched and why (bot.core.messages.TOO_LARGE)."""
    if inbound.attachment is None:
        return inbound
    attachment = dataclasses.replace(inbound.attachment, stored_path=None, problem=problem)
    return dataclasses.replace(inbound, attachment=attachment)


async def answer(
    transport: Transport, address: Address, replies: Sequence[Reply], update_id: str
) -> None:
    """Send an update's replies in order, under the one policy of `deliver`."""

    async def send(reply: Reply) -> None:
        await transport.send(address, reply)

    await deliver(send, replies, update_id)


async def deliver(send: Callable[[T], Awaitable[None]], items: Sequence[T], update_id: str) -> None:
    """Send the answers to one update in order; the one 429 policy of every transport.

    A pause of up to REPLY_WAIT is waited out once; a refusal is logged and the next item goes;
    a user who blocked the bot gets nothing more.
    """
    for item in items:
        for attempt in (1, 2):
            try:
                await send(item)
                break
            except RateLimited as error:
                if attempt == 2 or error.retry_after > REPLY_WAIT:
                    log.warning("an answer to %s was dropped: %s", update_id, error)
                    break
                await asyncio.sleep(error.retry_after)
            except Unreachable as error:
                log.info("answers to %s stop: %s", update_id, error)
                return
            except DeliveryError as error:
                log.warning("an answer to %s failed: %s", update_id, error)
                break


async def receive(receiver: Receiver, transport: Transport, inbound: Inbound) -> Handled:
    """The common path of an update: in its sender's turn, handle it, then send the replies."""
    async with receiver.ordered(inbound.platform, inbound.user_id):
        handled = await handle_safely(receiver, inbound)
        await answer(transport, inbound.address, handled.replies, inbound.update_id)
    return handled


async def handle_safely(receiver: Receiver, inbound: Inbound) -> Handled:
    """`receiver.process`, with a bug in it logged as a failed update rather than raised."""
    try:
        return await receiver.process(inbound)
    except Exception:
        log.exception("update %s failed in the engine", inbound.update_id)
        return Handled([], Outcome.FAILED)
