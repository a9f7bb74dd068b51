"""An update that was not committed is not acknowledged: the platform or we deliver it again.

Telegram's webhook gets a 5xx (Telegram redelivers), polling keeps its offset, Slack (acked
within 3 s by necessity) retries in memory, WhatsApp gets a 5xx. Only when no retry will happen,
after a few attempts, is the person told to try again.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

import bot.engine.engine
from bot.core.attachments import AttachmentStore
from bot.core.messages import Handled, Inbound, Outcome, Reply
from bot.core.ordering import Sequencer
from bot.core.settings import Settings
from bot.engine.engine import Engine
from bot.pack import Pack
from bot.transports.base import RETRIES, Startup
from bot.transports.slack.transport import EVENTS_PATH, SlackTransport
from bot.transports.telegram.transport import WEBHOOK_PATH, TelegramTransport
from bot.web import build_web_app
from storage.db import Database
from storage.models import Stakeholder
from tests.fakes import slack_api as fake_slack
from tests.fakes import slack_requests as slack
from tests.fakes import telegram_api as fake
from tests.fakes.receivers import running
from tests.fakes.telegram_api import FakeTelegram, serve_asgi

SECRET = "unacknowledged-secret"
APOLOGY = "sorry, please try again"


class Flaky:
    """A receiver that fails the first `failures` attempts at each update, then answers.

    Like the engine, it commits an update once: a redelivery of a handled one is a duplicate.
    """

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.attempts: dict[str, int] = {}
        self.committed: set[str] = set()
        self.sequencer = Sequencer()

    def ordered(self, platform: str, user_id: str) -> AbstractAsyncContextManager[None]:
        return self.sequencer.ordered((platform, user_id))

    async def process(self, inbound: Inbound) -> Handled:
        if inbound.update_id in self.committed:
            return Handled([], Outcome.DUPLICATE)
        count = self.attempts[inbound.update_id] = self.attempts.get(inbound.update_id, 0) + 1
        if count <= self.failures:
            return Handled([Reply(APOLOGY, key="error.internal")], Outcome.FAILED)
        self.committed.add(inbound.update_id)
        return Handled([Reply(f"got {inbound.text}", key="echo")])


def _settings(api: FakeTelegram, **extra: object) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]  # pydantic-settings' init-only option
        telegram_bot_token=api.token,
        telegram_api_base_url=api.base_url,
        telegram_api_file_url=api.base_file_url,
        **extra,
    )


@asynccontextmanager
async def webhook(api: FakeTelegram, receiver: object, tmp_path: Path) -> AsyncIterator[None]:
    app = build_web_app([])
    async with serve_asgi(app) as url:
        settings = _settings(
            api, telegram_webhook_url=url + WEBHOOK_PATH, telegram_webhook_secret=SECRET
        )
        transport = TelegramTransport(settings, AttachmentStore(tmp_path))
        app.router.routes.extend(transport.routes(receiver))  # type: ignore[arg-type]  # a Receiver by shape
        await transport.start(Startup(receiver))  # type: ignore[arg-type]  # a Receiver by shape
        try:
            yield
        finally:
            await transport.stop()


async def test_webhook_answers_5xx_until_the_update_is_committed(tmp_path: Path) -> None:
    """Two failed attempts get 503 and no message; Telegram's third delivery is answered once."""
    receiver = Flaky(failures=2)
    with FakeTelegram(redeliver=True) as api:
        async with webhook(api, receiver, tmp_path):
            api.push_update(fake.text_update(901, "hola"))
            await api.wait_for(lambda: api.sent_to(901))
            await asyncio.sleep(0.2)
    assert [status for _, status in api.webhook_deliveries] == [503, 503, 200]
    assert api.texts_to(901) == ["got hola"]


async def test_webhook_gives_up_after_a_few_attempts_and_apologises(tmp_path: Path) -> None:
    """A poisoned update is acknowledged after RETRIES attempts, with the apology sent once."""
    receiver = Flaky(failures=1_000)
    with FakeTelegram(redeliver=True) as api:
        async with webhook(api, receiver, tmp_path):
            api.push_update(fake.text_update(902, "veneno"))
            await api.wait_for(lambda: api.sent_to(902))
            await asyncio.sleep(0.2)
    statuses = [status for _, status in api.webhook_deliveries]
    assert statuses == [503] * (RETRIES - 1) + [200]
    assert api.texts_to(902) == [APOLOGY]


async def test_polling_keeps_the_offset_on_a_failed_update(tmp_path: Path) -> None:
    """A failed update is fetched again, its sender's later one waits for it; others go on."""
    receiver = Flaky(failures=1)
    with FakeTelegram() as api:
        transport = TelegramTransport(_settings(api), AttachmentStore(tmp_path), poll_timeout=1)
        transport.retry_delay = 0.05
        first = api.push_update(fake.text_update(903, "uno"))
        api.push_update(fake.text_update(903, "dos"))
        api.push_update(fake.text_update(904, "otro"))
        async with running(transport, receiver):
            await api.wait_for(lambda: len(api.sent_to(903)) == 2 and api.sent_to(904))
    assert api.texts_to(903) == ["got uno", "got dos"]
    assert api.texts_to(904) == ["got otro"]
    offsets = [c.params.get("offset") for c in api.calls_to("getUpdates")]
    assert str(first["update_id"]) in offsets  # fetched again from the failed one


async def test_polling_gives_up_on_a_poisoned_update(tmp_path: Path) -> None:
    """An update failing every time is apologised for after RETRIES tries; the next is handled."""

    class Poisoned(Flaky):
        async def process(self, inbound: Inbound) -> Handled:
            if inbound.text == "veneno":
                return Handled([Reply(APOLOGY, key="error.internal")], Outcome.FAILED)
            return await super().process(inbound)

    receiver = Poisoned(failures=0)
    with FakeTelegram() as api:
        transport = TelegramTransport(_settings(api), AttachmentStore(tmp_path), poll_timeout=1)
        transport.retry_delay = 0.05
        api.push_update(fake.text_update(905, "veneno"))
        api.push_update(fake.text_update(905, "después"))
        async with running(transport, receiver):
            await api.wait_for(lambda: len(api.sent_to(905)) == 2, timeout=15)
    assert api.texts_to(905) == [APOLOGY, "got después"]


async def test_a_locked_database_loses_no_webhook_answer(
    sqlite_db: Database, pack: Pack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ "database is locked" at the first try: 5xx, Telegram redelivers, the /start is stored."""
    real = bot.engine.engine.mark_processed
    calls = {"n": 0}

    async def locked_once(*args: object, **kwargs: object) -> bool:
        calls["n"] += 1
        if calls["n"] == 1:
            raise OperationalError("BEGIN", {}, Exception("database is locked"))
        return await real(*args, **kwargs)  # type: ignore[arg-type]  # the real signature

    monkeypatch.setattr(bot.engine.engine, "mark_processed", locked_once)
    with FakeTelegram(redeliver=True) as api:
        settings = _settings(api, database_url=sqlite_db.url)
        engine = Engine(sqlite_db, pack, settings, attachments=AttachmentStore(tmp_path))
        async with webhook(api, engine, tmp_path):
            api.push_update(fake.text_update(906, "/start", "en"))
            await api.wait_for(lambda: api.sent_to(906))
            await asyncio.sleep(0.2)
    assert [status for _, status in api.webhook_deliveries] == [503, 200]
    texts = api.texts_to(906)
    assert len(texts) == 1 and "wrong" not in texts[0]
    async with sqlite_db.transaction() as session:
        assert await session.scalar(select(Stakeholder.platform_user_id)) == "906"


@pytest.mark.parametrize("failures", [2, 1_000])
async def test_slack_retries_a_failed_event_in_memory(tmp_path: Path, failures: int) -> None:
    """Acked at once, a failed event is retried in its sender's turn; apology only at the end."""
    receiver = Flaky(failures=failures)
    with fake_slack.FakeSlackApi() as api:
        api.add_user("U1", locale="en-US")
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]  # pydantic-settings' init-only option
            slack_bot_token=fake_slack.BOT_TOKEN,
            slack_signing_secret=fake_slack.SIGNING_SECRET,
            slack_api_url=api.base_url,
        )
        transport = SlackTransport(settings, AttachmentStore(tmp_path))
        transport.retry_delay = 0.02
        app = build_web_app(transport.routes(receiver))  # type: ignore[arg-type]  # a Receiver by shape
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://slack.test"
        ) as client:
            body = json.dumps(slack.message_event("U1", "hola", event_id="EvFLAKY"))
            headers = slack.signed_headers(body, "application/json")
            response = await client.post(EVENTS_PATH, content=body, headers=headers)
            await transport.idle()
        texts = [post["text"] for post in api.posted("D1")]
    assert response.status_code == 200
    if failures < RETRIES:
        assert texts == ["got hola"] and receiver.attempts["EvFLAKY"] == failures + 1
    else:
        assert texts == [APOLOGY] and receiver.attempts["EvFLAKY"] == RETRIES
