"""The WhatsApp transport's edges: refusals through pywa, templates, settings, `consultbot run`."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import signal
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.core.attachments import AttachmentStore
from bot.core.delivery import (
    NoTemplate,
    OutsideWindow,
    PermanentFailure,
    RateLimited,
    TransientFailure,
    Unreachable,
)
from bot.core.messages import Address, Reply
from bot.core.settings import Settings, SettingsError, load_settings
from bot.outbox.ledger import DeliveryLedger
from bot.outbox.sender import OutboxSender, SenderPolicy
from bot.transports.whatsapp.transport import WEBHOOK_PATH, WhatsAppTransport
from storage.db import Database
from tests.fakes import whatsapp_api as fake
from tests.fakes.serving import free_port
from tests.fakes.whatsapp_api import FakeWhatsApp
from tests.outbox.helpers import START, FakeClock, add_stakeholders, stakeholder_row
from tests.transports.test_whatsapp_e2e import world_settings

TO = Address("whatsapp", "5215512345678", last_seen=dt.datetime.now(dt.UTC))  # wrote a moment ago


@contextlib.asynccontextmanager
async def transport_for(
    database: Database, tmp_path: Path, **extra: Any
) -> AsyncIterator[tuple[FakeWhatsApp, WhatsAppTransport]]:
    with FakeWhatsApp(templates={("consulta_aviso", "es"): 1}) as api:
        settings = world_settings(api, database, tmp_path, **extra)
        transport = WhatsAppTransport(
            settings, AttachmentStore(settings.attachments_dir), DeliveryLedger(database)
        )
        try:
            yield api, transport
        finally:
            await transport.stop()


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (fake.RATE_LIMIT, RateLimited),
        (fake.PAIR_RATE_LIMIT, TransientFailure),
        (fake.RE_ENGAGEMENT, OutsideWindow),
        (fake.UNDELIVERABLE, Unreachable),
        (fake.SERVICE_UNAVAILABLE, TransientFailure),
        (fake.INVALID_PARAMETER, PermanentFailure),
    ],
)
async def test_a_refused_send_raises_the_outbox_outcome(
    sqlite_db: Database, tmp_path: Path, error: fake.ApiError, outcome: type
) -> None:
    """Meta's error body, read by pywa, becomes the delivery outcome of its code."""
    async with transport_for(sqlite_db, tmp_path) as (api, transport):
        api.fail_next(error)
        with pytest.raises(outcome, match=str(error.code)):
            await transport.send(TO, Reply("Hola", key="broadcast:1:1"))
        await transport.send(TO, Reply("Hola", key="broadcast:1:1"))
    [refused, sent] = api.calls
    assert refused.error == error and sent.ok and sent.tracker == "broadcast:1:1"


async def test_an_unreachable_cloud_api_is_a_transient_failure(
    sqlite_db: Database, tmp_path: Path
) -> None:
    """A dropped connection is worth retrying later, not a lost message."""
    async with transport_for(sqlite_db, tmp_path) as (api, transport):
        api.stop()
        with pytest.raises(TransientFailure):
            await transport.send(TO, Reply("Hola"))


async def test_a_language_without_template_is_no_template(
    sqlite_db: Database, tmp_path: Path
) -> None:
    """Outside 24 hours with no WHATSAPP_TEMPLATES entry for the language nothing is sent."""
    async with transport_for(sqlite_db, tmp_path, whatsapp_templates={"es": "consulta_aviso"}) as (
        api,
        transport,
    ):
        with pytest.raises(NoTemplate, match="'en'"):
            await transport.send(replace(TO, language="en", last_seen=None), Reply("Hello"))
        lapsed = replace(TO, language="es", last_seen=START)  # over 24 hours ago
        await transport.send(lapsed, Reply("Hola\nde nuevo", key="reminder:x:1"))
    [template] = api.calls
    assert template.ok and template.text == "Hola · de nuevo" and template.tracker == "reminder:x:1"


async def test_re_engagement_at_send_time_resends_as_a_template(
    sqlite_db: Database, tmp_path: Path
) -> None:
    """A 131047 answer requeues the message and forgets the stale window; it goes as a template."""
    row = stakeholder_row(
        1,
        platform="whatsapp",
        platform_user_id=TO.chat_id,
        chat_id=TO.chat_id,
        language="es",
        last_inbound_at=START,
    )
    [stakeholder_id] = await add_stakeholders(sqlite_db, [row])
    from storage import outbox

    async with sqlite_db.transaction() as session:
        message = outbox.NewMessage(
            "reminder:r", "reminder", stakeholder_id, "whatsapp", TO.chat_id, "Hola"
        )
        await outbox.enqueue(session, [message], START)
    async with transport_for(sqlite_db, tmp_path, whatsapp_templates={"es": "consulta_aviso"}) as (
        api,
        transport,
    ):
        api.fail_next(fake.RE_ENGAGEMENT)
        policy = SenderPolicy(rate_per_second=1000)
        clock = FakeClock(START)
        transport.clock = clock.now  # the 24 hours are counted on the sender's clock
        sender = OutboxSender(sqlite_db, {"whatsapp": transport}, policy, clock=clock)
        report = await sender.drain()
    assert (report.retried, report.sent) == (1, 1)
    assert [(call.type, call.ok) for call in api.calls] == [("text", False), ("template", True)]


def test_whatsapp_settings_are_checked_together(monkeypatch: pytest.MonkeyPatch) -> None:
    """A token without the app secret, or a malformed template, stops start-up with one line."""
    monkeypatch.delenv("WHATSAPP_TEMPLATES", raising=False)
    with pytest.raises(SettingsError, match="WHATSAPP_TOKEN needs WHATSAPP_APP_SECRET"):
        load_settings(
            _env_file=None,
            whatsapp_token="t",
            whatsapp_phone_number_id="1",
            whatsapp_verify_token="v",
        )
    monkeypatch.setenv("WHATSAPP_TEMPLATES", '{"es": "Consulta Aviso"}')
    with pytest.raises(SettingsError, match="WHATSAPP_TEMPLATES: es"):
        load_settings(_env_file=None)
    monkeypatch.setenv("WHATSAPP_TEMPLATES", '{"pt": "consulta_aviso:pt_BR"}')
    monkeypatch.setenv("ORGANIZERS", "whatsapp:5215512345678")
    settings = load_settings(_env_file=None)
    assert settings.whatsapp_templates == {"pt": "consulta_aviso:pt_BR"}
    assert settings.organizers == ["whatsapp:5215512345678"]


async def test_an_unknown_template_locale_is_refused_at_start(
    sqlite_db: Database, tmp_path: Path
) -> None:
    """`pt` alone is no WhatsApp locale (pt_BR is): the transport says so before any send."""
    with pytest.raises(ValueError, match="'pt' is not a WhatsApp template locale"):
        async with transport_for(sqlite_db, tmp_path, whatsapp_templates={"pt": "aviso"}):
            pass


# ---------------------------------------------------------------------------------- consultbot run


@pytest.mark.slow
async def test_consultbot_run_serves_whatsapp(tmp_path: Path) -> None:
    """`consultbot run` (bot.app.serve) answers a signed notification at /whatsapp/webhook."""
    from bot.app import serve

    port = free_port()
    with FakeWhatsApp() as api:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]  # pydantic-settings' init-only option
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'run.db'}",
            attachments_dir=str(tmp_path / "files"),
            whatsapp_token=api.token,
            whatsapp_phone_number_id=api.phone_number_id,
            whatsapp_app_secret=fake.APP_SECRET,
            whatsapp_verify_token="verify",
            whatsapp_api_url=api.url,
            http_host="127.0.0.1",
            http_port=port,
        )
        task = asyncio.create_task(serve(settings))
        try:
            body, headers = fake.signed(fake.text("5511987654321", "Olá"))
            url = f"http://127.0.0.1:{port}{WEBHOOK_PATH}"
            status = await post_when_up(url, body, headers, task)
            await api.wait_for(lambda: api.sent_to("5511987654321"), timeout=20)
        except BaseException:
            task.cancel()
            raise
        os.kill(os.getpid(), signal.SIGINT)
        await asyncio.wait_for(task, 20)
    assert status == 200
    [welcome] = api.sent_to("5511987654321")
    assert (
        welcome.type == "interactive" and welcome.choices()[0][0] == "Português"
    )  # a Brazilian number


async def post_when_up(url: str, body: bytes, headers: dict[str, str], server: asyncio.Task) -> int:
    async with httpx.AsyncClient() as client:
        for _ in range(200):
            if server.done():
                server.result()
            with contextlib.suppress(httpx.TransportError):
                return (await client.post(url, content=body, headers=headers)).status_code
            await asyncio.sleep(0.05)
    raise TimeoutError(url)
