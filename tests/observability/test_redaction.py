"""Secrets are found by their setting's name and replaced in every form a log line shows them."""

from __future__ import annotations

import io
import json
import logging
from urllib.parse import quote

import pytest

from bot.core.settings import Settings
from bot.observability.logs import configure_logging
from bot.observability.redaction import Redactor, secret_settings

TOKEN = "123456789:AAF-s3cr3t_T0ken/with+odd=chars"


def settings(**values: object) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]  # pydantic-settings' init-only option
        **values,
    )


def test_every_secret_setting_is_found_by_name() -> None:
    """Tokens, secrets and the database password are secrets; URLs and ids are not."""
    found = secret_settings(
        settings(
            telegram_bot_token=TOKEN,
            telegram_api_base_url="http://bot-api.internal:8081",
            slack_bot_token="xoxb-1-2-slackbot",
            slack_app_token="xapp-1-slackapp",
            slack_signing_secret="signing-0123",
            database_url="postgresql+asyncpg://consultbot:p%40ss-word@db:5432/consultbot",
        )
    )
    assert found == {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "SLACK_BOT_TOKEN": "xoxb-1-2-slackbot",
        "SLACK_APP_TOKEN": "xapp-1-slackapp",
        "SLACK_SIGNING_SECRET": "signing-0123",
        "DATABASE_URL password": "p@ss-word",
    }


def test_whatsapp_secrets_are_found_and_its_ids_are_not() -> None:
    """WhatsApp's token, app secret and verify token are secrets; the number's id is not."""
    found = secret_settings(
        settings(
            whatsapp_token="EAAG-whatsapp",
            whatsapp_app_secret="app-secret-1",
            whatsapp_verify_token="verify-me-please",
            whatsapp_phone_number_id="106540352242922",
        )
    )
    assert found == {
        "WHATSAPP_TOKEN": "EAAG-whatsapp",
        "WHATSAPP_APP_SECRET": "app-secret-1",
        "WHATSAPP_VERIFY_TOKEN": "verify-me-please",
    }


def test_a_secret_setting_added_later_is_covered() -> None:
    """A new *_token or *_secret setting is redacted without a change here."""

    class Later(Settings):
        signal_token: str | None = None
        signal_account_id: str | None = None

    found = secret_settings(
        Later(  # type: ignore[call-arg]  # pydantic-settings' init-only option
            _env_file=None, signal_token="sig-123456", signal_account_id="+5215512345678"
        )
    )
    assert found == {"SIGNAL_TOKEN": "sig-123456"}


@pytest.mark.parametrize(
    "written",
    [
        f"POST https://api.telegram.org/bot{TOKEN}/getMe",
        f"GET /file/bot{quote(TOKEN, safe='')}/documents/a.pdf",
        json.dumps({"url": f"https://x/bot{TOKEN}"}),
        f"secret half alone: {TOKEN.split(':')[1]}",
    ],
)
def test_each_form_of_a_secret_is_replaced(written: str) -> None:
    """Raw, URL-quoted, JSON-escaped, or only the part after the bot id: all become the name."""
    redacted = Redactor({"TELEGRAM_BOT_TOKEN": TOKEN})(written)
    assert "s3cr3t" not in redacted and "<TELEGRAM_BOT_TOKEN>" in redacted


def test_a_very_short_secret_is_left_alone() -> None:
    """A three-letter value would mangle every line; it is not treated as findable."""
    assert Redactor({"X_SECRET": "abc"})("abcdef") == "abcdef"


def test_tracebacks_are_redacted_too(restore_logging: None) -> None:
    """An exception whose message carries the token is logged with the name instead."""
    stream = io.StringIO()
    configure_logging(settings(telegram_bot_token=TOKEN, log_format="json"), stream=stream)
    try:
        raise RuntimeError(f"Client error for url 'https://api.telegram.org/bot{TOKEN}/getMe'")
    except RuntimeError:
        logging.getLogger("tests.redaction").exception("the Bot API refused")
    line = json.loads(stream.getvalue().splitlines()[-1])
    assert "s3cr3t" not in stream.getvalue()
    assert "bot<TELEGRAM_BOT_TOKEN>/getMe" in line["exc_info"]
