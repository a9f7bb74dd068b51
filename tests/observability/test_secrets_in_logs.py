"""No secret setting reaches the logs of a real `consultbot run`, even at DEBUG (issue 12, 5)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.observability.redaction import secret_settings
from bot.pack import Pack
from tests.conftest import POSTGRES_URL, create_postgres_database, drop_postgres_database
from tests.fakes.serving import free_port
from tests.observability.telegram_run import SUBSCRIBER, consultbot_run, seed_broadcast

TOKEN = "987654321:AAH-x3cReT_bOtToKeN-For-The-Log-Scan-42"
SECRETS = {
    "telegram_webhook_secret": "wh-secret-Zq81-never-logged",
    "slack_app_token": "xapp-1-A0SLACKAPP-9988776655-abcdefabcdef",
    "slack_signing_secret": "8f14e45fceea167a5a36dedd4bea2543",
    "whatsapp_token": "EAAGm0PZBw-whatsapp-system-user-token",
    "whatsapp_app_secret": "d41d8cd98f00b204e9800998ecf8427e",
    "whatsapp_verify_token": "meta-verify-token-Qx71-long-and-random",
}
OTHER = {"whatsapp_phone_number_id": "106540352242922"}
DB_PASSWORD = "pg-PaSsWoRd-7731"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh database; on PostgreSQL its URL carries a password (trust auth ignores it)."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'run.db'}"
        return
    assert POSTGRES_URL
    url, name = await create_postgres_database()
    try:
        with_password = make_url(url).set(password=DB_PASSWORD)
        yield with_password.render_as_string(hide_password=False)
    finally:
        await drop_postgres_database(name)


@pytest.mark.slow
async def test_a_debug_run_logs_no_secret(
    database_url: str,
    pack: Pack,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    restore_logging: None,
) -> None:
    """Registration, a duplicate, a broadcast and the probes at DEBUG: every secret is redacted."""
    await seed_broadcast(database_url, pack)
    closed = f"http://127.0.0.1:{free_port()}/"  # WhatsApp is served; nothing is sent there
    async with consultbot_run(
        tmp_path,
        database_url,
        TOKEN,
        log_level="DEBUG",
        log_format="json",
        whatsapp_api_url=closed,
        **SECRETS,
        **OTHER,
    ) as running:
        ana = running.client(8101)
        await ana.say("/start")
        await ana.tap("English")
        await ana.tap("I agree")
        await ana.say("Red de Apoyo Mutuo")
        await running.api.wait_for(lambda: running.api.sent_to(SUBSCRIBER), timeout=20)
        handshake = await running.get(
            "/whatsapp/webhook?hub.mode=subscribe&hub.challenge=1158201444"
            f"&hub.verify_token={SECRETS['whatsapp_verify_token']}"
        )
        assert (handshake.status_code, handshake.text) == (200, "1158201444")
        assert (await running.get("/readyz")).status_code == 200
        assert (await running.get("/metrics")).status_code == 200
        settings_used = running.settings
    logs = capsys.readouterr().err
    assert "setWebhook" in logs, "the Bot API calls' DEBUG lines ran through the scan"
    secrets = secret_settings(settings_used)
    expected = {"TELEGRAM_BOT_TOKEN", *(name.upper() for name in SECRETS)}
    if "postgresql" in database_url:
        expected.add("DATABASE_URL password")
    assert set(secrets) == expected
    leaked = {name for name, value in secrets.items() if value in logs}
    assert leaked == set(), f"secrets in the logs: {sorted(leaked)}"
    assert TOKEN.split(":")[1] not in logs  # the token's secret half alone
    assert "<TELEGRAM_WEBHOOK_SECRET>" in logs  # redacted where PTB wrote setWebhook's parameters
    assert "<WHATSAPP_VERIFY_TOKEN>" in logs  # and in the access log's query string
