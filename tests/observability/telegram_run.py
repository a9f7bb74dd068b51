"""`consultbot run` (bot.app.serve) in webhook mode against the fake Bot API, driven like a user.

Shared by the log tests: they run the real process set-up (logging included) and read stderr.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bot.core.settings import Settings
from bot.pack import Pack
from bot.transports.telegram.transport import WEBHOOK_PATH
from storage.broadcasts import Audience, create_broadcast
from storage.db import migrated_database
from tests.fakes import telegram_api as fake
from tests.fakes.serving import free_port
from tests.fakes.telegram_api import FakeTelegram
from tests.outbox.helpers import START, add_stakeholders, stakeholder_row
from tests.transports.test_telegram_e2e import wait_for_health

SUBSCRIBER = 61_000  # a registered stakeholder who gets the queued broadcast


async def seed_broadcast(database_url: str, pack: Pack) -> None:
    """One registered Telegram stakeholder and a broadcast queued for them."""
    async with migrated_database(database_url) as database:
        row = stakeholder_row(
            1, platform="telegram", platform_user_id=str(SUBSCRIBER), chat_id=str(SUBSCRIBER)
        )
        await add_stakeholders(database, [row])
        async with database.transaction() as session:
            await create_broadcast(
                session,
                texts={"es": "La audiencia es el 12 de mayo.", "en": "The hearing is on 12 May."},
                audience=Audience(),
                languages=pack.languages,
                default_language=pack.default_language,
                created_by="telegram:1",
                now=START,
            )


@dataclass
class Client:
    """A Telegram user whose every step waits for the bot's answer to reach the chat."""

    api: FakeTelegram
    user_id: int
    language_code: str = "en"

    async def push(self, update: dict[str, Any], times: int = 1) -> None:
        update = {"update_id": self.api.next_update_id(), **update}
        before = len(self.api.sent_to(self.user_id))
        for _ in range(times):
            self.api.push_update(update)
        await self.api.wait_for(lambda: len(self.api.sent_to(self.user_id)) > before, timeout=20)
        await asyncio.sleep(0.2)  # the rest of this update's replies

    async def say(self, text: str) -> None:
        await self.push(fake.text_update(self.user_id, text, self.language_code))

    async def tap(self, label: str) -> None:
        with_buttons = [m for m in self.api.sent_to(self.user_id) if m.params.get("reply_markup")]
        buttons = list(fake.iter_buttons(with_buttons[-1]))
        button = next(b for b in buttons if b["text"].startswith(label))
        update = fake.callback_update(
            self.user_id, button["callback_data"], self.language_code, button["text"]
        )
        await self.push(update)


@dataclass
class Running:
    api: FakeTelegram
    base_url: str
    task: asyncio.Task
    settings: Settings

    def client(self, user_id: int) -> Client:
        return Client(self.api, user_id)

    async def get(self, path: str) -> httpx.Response:
        async with httpx.AsyncClient(base_url=self.base_url) as http:
            return await http.get(path)


@contextlib.asynccontextmanager
async def consultbot_run(
    tmp_path: Path, database_url: str, token: str, **settings: Any
) -> AsyncIterator[Running]:
    """serve() with a webhook on a free port; stopped with SIGINT as an operator would."""
    from bot.app import serve

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    with FakeTelegram(token=token) as api:
        config = Settings(
            _env_file=None,  # type: ignore[call-arg]  # pydantic-settings' init-only option
            database_url=database_url,
            attachments_dir=str(tmp_path / "files"),
            telegram_bot_token=api.token,
            telegram_api_base_url=api.url,
            telegram_webhook_url=base_url + WEBHOOK_PATH,
            http_host="127.0.0.1",
            http_port=port,
            **settings,
        )
        task = asyncio.create_task(serve(config))
        try:
            await api.wait_for(lambda: api.webhook is not None, timeout=20)
            await wait_for_health(base_url + "/healthz", task)
            yield Running(api, base_url, task, config)
        except BaseException:
            task.cancel()
            raise
        os.kill(os.getpid(), signal.SIGINT)  # serve() answered, so its handlers are in place
        await asyncio.wait_for(task, 20)
