"""What every transport is to the app, and the one way updates go in and replies go out.

A transport maps platform updates to `Inbound` values and renders `Reply` values; it never
touches the database or knows a flow. The app starts it, serves its HTTP routes, runs it, sends
through it (the outbox too) and stops it, all through `Transport`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, TypeVar

from starlette.routing import BaseRoute

from bot.core.delivery import DeliveryError, RateLimited, Unreachable
from bot.core.messages import Address, Handled, Inbound, Outcome, Reply

log = logging.getLogger(__name__)

T = TypeVar("T")
REPLY_WAIT = 30.0  # the longest 429 pause an answer waits out (once) rather than drop a reply
# Attempts at an update that was not committed before it is given up and its sender told to
# try again: a failure that lasts (a bug, a poisoned update) must not block a chat forever.
RETRIES = 3
RETRY_DELAY = 0.5  # seconds before retrying in-process (the console, Slack); doubles each time


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


class Attempts:
    """Failed attempts per update id (bounded memory), to give up after RETRIES of them.

    In memory on purpose: the platform redelivers what we did not acknowledge, and after a
    restart an update simply gets RETRIES fresh attempts.
    """

    def __init__(self, limit: int = RETRIES, size: int = 10_000) -> None:
        self.limit = limit
        self.size = size
        self._failed: OrderedDict[str, int] = OrderedDict()

    def give_up(self, update_id: str) -> bool:
        """Count a failed attempt; True when it was the last one allowed (acknowledge it now)."""
        count = self._failed.pop(update_id, 0) + 1
        if count >= self.limit:
            log.error("update %s failed %d times: given up, its sender told", update_id, count)
            return True
        self._failed[update_id] = count
        if len(self._failed) > self.size:
            self._failed.popitem(last=False)
        return False

    def succeeded(self, update_id: str) -> None:
        self._failed.pop(update_id, None)

    def settle(self, update_id: str, handled: Handled) -> bool:
        """Whether to acknowledge the update and send its replies (False: it will come again)."""
        if handled.committed:
            self.succeeded(update_id)
            return True
        return self.give_up(update_id)


MAX_JSON_DEPTH = 32  # platforms' payloads nest about 8 deep (WhatsApp's notifications)


class BadBody(ValueError):
    """A webhook body that is not JSON, or nests deeper than any platform's payload."""


def read_json(body: bytes) -> Any:
    """Parse a webhook body, refusing what would exhaust the parser or the code that walks it."""
    try:
        value = json.loads(body)
    except (ValueError, RecursionError) as error:
        raise BadBody(f"not JSON: {type(error).__name__}") from None
    level, pending = 0, [value]
    while pending:  # breadth first: one level of containers at a time, no recursion
        level += 1
        if level > MAX_JSON_DEPTH:
            raise BadBody(f"JSON nested over {MAX_JSON_DEPTH} levels")
        children: list[Any] = []
        for item in pending:
            if isinstance(item, dict):
                children += [v for v in item.values() if isinstance(v, dict | list)]
            elif isinstance(item, list):
                children += [v for v in item if isinstance(v, dict | list)]
        pending = children
    return value


def not_kept(inbound: Inbound, problem: str) -> Inbound:
    """The same inbound, its file marked as not fetched and why (bot.core.messages.TOO_LARGE)."""
    if inbound.attachment is None:
        return inbound
    attachment = dataclasses.replace(inbound.attachment, stored_path=None, problem=problem)
    return dataclasses.replace(inbound, attachment=attachment)


async def answer(
    transport: Transport, address: Address, replies: Sequence[Reply], update_id: str
) -> None:
    """Send an update's replies in order, as few messages as the platform allows."""

    async def send(reply: Reply) -> None:
        await transport.send(address, reply)

    await deliver(send, combined(replies, transport.limits.text_length), update_id)


def combined(replies: Sequence[Reply], text_length: int) -> list[Reply]:
    """Fold a plain reply ("Saved.") into the next one: one message, not two, on a poor line.

    A reply with buttons or a file stays as it is; folding never makes a text longer than the
    platform takes in one message. The folded text becomes the later reply's `preface`, so the
    reply keeps its own text and key (Slack recognises a question redrawn in place by them).
    """
    result: list[Reply] = []
    for reply in replies:
        previous = result[-1] if result else None
        if (
            previous is not None
            and not previous.choices
            and previous.document is None
            and reply.document is None
            and not reply.preface
            and len(previous.shown) + 2 + len(reply.shown) <= text_length
        ):
            result[-1] = replace(reply, preface=previous.shown)
        else:
            result.append(reply)
    return result


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


async def receive(
    receiver: Receiver, transport: Transport, inbound: Inbound, retry_delay: float = RETRY_DELAY
) -> Handled:
    """The common path of an update: in its sender's turn, handle it, then send the replies.

    Nothing redelivers for such a transport (the console), so an update that was not committed
    is tried again here, RETRIES times, before the apology is shown.
    """
    async with receiver.ordered(inbound.platform, inbound.user_id):
        for attempt in range(1, RETRIES + 1):
            handled = await handle_safely(receiver, inbound)
            if handled.committed or attempt == RETRIES:
                break
            await asyncio.sleep(retry_delay * 2 ** (attempt - 1))
        await answer(transport, inbound.address, handled.replies, inbound.update_id)
    return handled


async def handle_safely(receiver: Receiver, inbound: Inbound) -> Handled:
    """`receiver.process`, with a bug in it logged as a failed update rather than raised."""
    try:
        return await receiver.process(inbound)
    except Exception:
        log.exception("update %s failed in the engine", inbound.update_id)
        return Handled([], Outcome.FAILED)
