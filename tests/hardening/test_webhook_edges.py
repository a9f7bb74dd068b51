"""Every webhook route refuses what is not a platform's request, briefly and without a traceback.

Bodies over the size limit get 413 before anyone reads them; deeply nested JSON gets 400 even
when signed; Slack checks the signature before bolt parses anything, so a malformed unsigned
request is a 401, not a 500 with 4 KB of traceback.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.core.attachments import AttachmentStore
from bot.core.messages import Inbound, Reply
from bot.core.settings import Settings
from bot.transports.slack.transport import EVENTS_PATH, SlackTransport
from bot.transports.telegram.transport import WEBHOOK_PATH as TELEGRAM_PATH
from bot.transports.telegram.transport import TelegramTransport
from bot.transports.whatsapp.transport import WEBHOOK_PATH as WHATSAPP_PATH
from bot.transports.whatsapp.transport import WhatsAppTransport
from bot.web import MAX_BODY, build_web_app
from tests.fakes import slack_api as fake_slack
from tests.fakes import slack_requests as slack
from tests.fakes import whatsapp_api as fake_whatsapp
from tests.fakes.receivers import DispatchReceiver

TELEGRAM_SECRET = "edge-secret"
NESTED = b"[" * 100_000 + b"]" * 100_000
DEEP_OBJECT = b'{"a":' * 5_000 + b"1" + b"}" * 5_000


class Ledger:
    async def inbound(self, *args: object) -> None:
        return None

    async def delivered(self, *args: object) -> bool:
        return True

    async def failed(self, *args: object) -> bool:
        return True


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """The one web app with Telegram's, WhatsApp's and Slack's webhook routes."""
    seen: list[Inbound] = []

    async def dispatch(inbound: Inbound) -> list[Reply]:
        seen.append(inbound)
        return []

    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]  # pydantic-settings' init-only option
        telegram_bot_token="1:edge",
        telegram_webhook_url="https://bot.example/telegram/webhook",
        telegram_webhook_secret=TELEGRAM_SECRET,
        slack_bot_token=fake_slack.BOT_TOKEN,
        slack_signing_secret=fake_slack.SIGNING_SECRET,
        slack_api_url="http://127.0.0.1:9/",
        whatsapp_token="wa-token",
        whatsapp_phone_number_id=fake_whatsapp.PHONE_NUMBER_ID,
        whatsapp_app_secret=fake_whatsapp.APP_SECRET,
        whatsapp_verify_token="verify",
        whatsapp_api_url="http://127.0.0.1:9",
    )
    store = AttachmentStore(tmp_path)
    receiver = DispatchReceiver(dispatch)
    routes = [
        *TelegramTransport(settings, store).routes(receiver),
        *SlackTransport(settings, store).routes(receiver),
        *WhatsAppTransport(settings, store, Ledger()).routes(receiver),
    ]
    app = build_web_app(routes)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://edge.test") as http:
        http.seen = seen  # type: ignore[attr-defined]  # what reached the engine, for asserts
        yield http
    assert seen == []


def _whatsapp_headers(body: bytes) -> dict[str, str]:
    digest = hmac.new(fake_whatsapp.APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "X-Hub-Signature-256": f"sha256={digest}"}


def _slack_headers(body: bytes) -> dict[str, str]:
    return slack.signed_headers(body.decode("latin-1"), "application/json")


def _telegram_headers() -> dict[str, str]:
    return {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        (TELEGRAM_PATH, lambda body: _telegram_headers()),
        (WHATSAPP_PATH, _whatsapp_headers),
        (EVENTS_PATH, _slack_headers),
    ],
    ids=["telegram", "whatsapp", "slack"],
)
async def test_webhooks_refuse_big_and_deep_bodies(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture, path: str, headers: object
) -> None:
    """Over MAX_BODY: 413; nested beyond reason (even when signed): 400; never a traceback."""
    caplog.set_level(logging.INFO)
    big = b'{"x": "' + b"a" * MAX_BODY + b'"}'
    assert (await client.post(path, content=big, headers=headers(big))).status_code == 413  # type: ignore[operator]  # a header maker
    for deep in (NESTED, DEEP_OBJECT):
        response = await client.post(path, content=deep, headers=headers(deep))  # type: ignore[operator]  # a header maker
        assert response.status_code == 400, (path, response.status_code)
    assert "Traceback" not in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (b"", {}),
        (b"{not json", {"Content-Type": "application/json"}),
        (b"[1, 2]", {"Content-Type": "application/json"}),
        (b"payload=%7Bnot", {"Content-Type": "application/x-www-form-urlencoded"}),
        (bytes(range(256)), {"Content-Type": "application/json"}),
        (
            b"{}",
            {
                "Content-Type": "application/json",
                "X-Slack-Request-Timestamp": "not-a-number",
                "X-Slack-Signature": "v0=00",
            },
        ),
    ],
    ids=["empty", "broken-json", "json-list", "broken-form", "binary", "bad-timestamp"],
)
async def test_malformed_unsigned_slack_requests_are_401(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture, body: bytes, headers: dict
) -> None:
    """Whatever the body, a request without a valid signature is refused before it is parsed."""
    response = await client.post(EVENTS_PATH, content=body, headers=headers)
    assert response.status_code == 401
    assert "Traceback" not in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"[1, 2]", "application/json"),
        (b"payload=%7Bnot", "application/x-www-form-urlencoded"),
    ],
    ids=["broken-json", "json-list", "broken-form"],
)
async def test_malformed_signed_slack_requests_are_400(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture, body: bytes, content_type: str
) -> None:
    """A signed request bolt could not read is a 400, logged in one line."""
    headers = slack.signed_headers(body.decode(), content_type)
    response = await client.post(EVENTS_PATH, content=body, headers=headers)
    assert response.status_code == 400
    assert "Traceback" not in caplog.text
