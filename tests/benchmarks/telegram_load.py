"""The load generator: stakeholders on Telegram clients, against the fake Bot API.

`BenchTelegram` is the loopback fake (tests/fakes/telegram_api.py) with what a load needs on
top: the messages of each chat indexed, and events that wake a waiting client as soon as its
answer arrives or its update is acknowledged, so 200 clients cost the generator little.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.core.messages import Choice
from bot.core.text import normalise
from tests.fakes import telegram_api as fake
from tests.fakes.telegram_api import Call, FakeTelegram

SENDS = {"sendMessage", "sendDocument"}
STEP_TIMEOUT = 120.0


class _Recorded(list):  # type: ignore[type-arg]  # a list of any recorded calls
    """The fake's call log, telling its owner of each call as it is recorded."""

    def __init__(self, owner: BenchTelegram) -> None:
        super().__init__()
        self.owner = owner

    def append(self, call: Call) -> None:
        super().append(call)
        self.owner.recorded(call)


class BenchTelegram(FakeTelegram):
    """The fake Bot API, with per-chat messages and wake-ups for waiting clients."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = _Recorded(self)
        self.by_chat: dict[str, list[Call]] = {}
        self.confirmed = 0  # every update below this id was acknowledged by getUpdates
        self.polls = 0
        self._chat_events: dict[str, asyncio.Event] = {}
        self._confirmed_event = asyncio.Event()
        self._poll_event = asyncio.Event()

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """The event loop the clients wait in (the fake serves from a thread of its own)."""
        self._main = loop

    def _signal(self, event: asyncio.Event) -> None:
        """Set an event of the clients' loop from the fake's thread (a no-op once it closed)."""
        with contextlib.suppress(RuntimeError, AttributeError):
            self._main.call_soon_threadsafe(event.set)

    def recorded(self, call: Call) -> None:
        if call.ok and call.method in SENDS and call.chat_id is not None:
            self.by_chat.setdefault(call.chat_id, []).append(call)
            event = self._chat_events.get(call.chat_id)
            if event is not None:
                self._signal(event)

    def _take(self, offset: int, limit: int) -> list[dict[str, Any]]:
        self.polls += 1
        self._signal(self._poll_event)
        if offset > self.confirmed:
            self.confirmed = offset
            self._signal(self._confirmed_event)
        return super()._take(offset, limit)

    def sent(self, chat_id: str) -> list[Call]:
        return self.by_chat.get(chat_id, [])

    async def _until(self, event: asyncio.Event, done: Callable[[], bool]) -> None:
        async with asyncio.timeout(STEP_TIMEOUT):
            while not done():
                event.clear()
                if done():
                    return
                await event.wait()

    async def until_sent(self, chat_id: str, count: int) -> None:
        event = self._chat_events.setdefault(chat_id, asyncio.Event())
        await self._until(event, lambda: len(self.sent(chat_id)) >= count)

    async def until_confirmed(self, update_id: int) -> None:
        """Wait for a getUpdates whose offset passes the update: the bot finished it."""
        await self._until(self._confirmed_event, lambda: self.confirmed > update_id)

    async def until_polled(self, process: subprocess.Popen[bytes]) -> None:
        """Wait for the bot's first getUpdates: it is serving (or it died trying)."""
        async with asyncio.timeout(STEP_TIMEOUT):
            while self.polls == 0:
                if process.poll() is not None:
                    raise RuntimeError(f"the bot exited with {process.returncode} before polling")
                self._poll_event.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(0.2):
                        await self._poll_event.wait()


_users = itertools.count(700_000_000)


@dataclass
class TelegramUser:
    """One Telegram client: pushes an update, waits until it is handled, reads the buttons.

    `confirmed=True` waits for the bot to acknowledge the update (consultbot's polling loop
    acknowledges a batch only once it is answered); otherwise it waits for `replies` messages.
    """

    api: BenchTelegram
    language_code: str = "es"
    confirmed: bool = True
    replies: int = 1
    user_id: int = field(default_factory=lambda: next(_users))
    choices: list[Choice] = field(default_factory=list)
    updates: int = 0

    @property
    def chat(self) -> str:
        return str(self.user_id)

    async def push(self, update: dict[str, Any]) -> None:
        before = len(self.api.sent(self.chat))
        update = self.api.push_update(update)
        self.updates += 1
        if self.confirmed:
            await self.api.until_confirmed(update["update_id"])
        else:
            await self.api.until_sent(self.chat, before + self.replies)
        shown = [m for m in self.api.sent(self.chat)[before:] if m.params.get("reply_markup")]
        if shown:
            self.choices = [
                Choice(b["text"], b["callback_data"]) for b in fake.iter_buttons(shown[-1])
            ]

    async def command(self, text: str) -> None:
        await self.say(text)

    async def say(self, text: str) -> None:
        await self.push(fake.text_update(self.user_id, text, self.language_code))

    async def tap(self, label: str) -> None:
        choice = self.button(label)
        await self.push(fake.callback_update(self.user_id, choice.data, self.language_code))

    async def attach(self, filename: str) -> None:
        content = f"{filename}: informe de la organización {self.user_id}".encode() * 20
        file_id = self.api.add_file(content, f"documents/{self.user_id}_{filename}")
        await self.push(fake.document_update(self.user_id, file_id, filename, len(content)))

    def button(self, label: str) -> Choice:
        wanted = normalise(label)
        for choice in self.choices:
            if normalise(choice.label.removeprefix("✓ ")).startswith(wanted):
                return choice
        if not self.confirmed:  # a reference bot: any button will do
            return Choice(label, f"x:{label}"[:64])
        raise AssertionError(f"no button {label!r} among {[c.label for c in self.choices]}")


async def run_clients(clients: list[Any], walk: Callable[[Any, int], Any], parallel: int) -> None:
    """Walk every client, `parallel` of them at a time."""
    limit = asyncio.Semaphore(parallel)

    async def one(number: int, client: Any) -> None:
        async with limit:
            await walk(client, number)

    await asyncio.gather(*(one(number, client) for number, client in enumerate(clients)))
