"""End to end: stakeholders on Telegram, through PTB, our adapter, the engine and the outbox.

Every test runs the real PTB Bot in polling or webhook mode against the loopback fake
Bot API, a migrated SQLite database and the lac-2025 pack. A stakeholder here is driven only by
Telegram updates and sees only what the fake Bot API received; the engine's reply keys are read
from a thin wrapper around `Engine.handle`, to compare keys rather than copy.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import itertools
import os
import signal
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.core.attachments import AttachmentStore
from bot.core.messages import Choice, Handled, Inbound, Reply
from bot.core.settings import Settings
from bot.core.text import normalise
from bot.engine.engine import Engine
from bot.outbox.sender import OutboxSender, SenderPolicy
from bot.pack import Pack
from bot.transports.base import Startup, combined
from bot.transports.telegram.mapping import render
from bot.transports.telegram.transport import LIMITS, WEBHOOK_PATH, TelegramTransport
from bot.web import build_web_app
from storage import outbox
from storage.broadcasts import Audience, create_broadcast
from storage.db import Database
from storage.models import Attachment, OutboxMessage, Stakeholder
from tests.dialog import answer_current, register
from tests.fakes import telegram_api as fake
from tests.fakes.receivers import running
from tests.fakes.serving import free_port
from tests.fakes.telegram_api import Call, FakeTelegram, serve_asgi
from tests.outbox.helpers import START, add_stakeholders, stakeholder_row

SECRET = "e2e-webhook-secret"
RAPPORTEUR = 7001
_users = itertools.count(10_000)


class Recorder:
    """The receiver: the real engine, remembering what it answered to each update id."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.results: dict[str, list[list[Reply]]] = {}

    def ordered(self, platform: str, user_id: str) -> AbstractAsyncContextManager[None]:
        return self.engine.ordered(platform, user_id)

    async def process(self, inbound: Inbound) -> Handled:
        handled = await self.engine.process(inbound)
        self.results.setdefault(inbound.update_id, []).append(handled.replies)
        return handled


@dataclass
class World:
    api: FakeTelegram
    database: Database
    recorder: Recorder
    transport: TelegramTransport
    settings: Settings

    def person(self, user_id: int | None = None, language_code: str | None = "en") -> Person:
        return Person(self, user_id or next(_users), language_code)


@dataclass
class Person:
    """A stakeholder with a Telegram client: same interface as tests.dialog.Dialog."""

    world: World
    user_id: int
    language_code: str | None
    replies: list[Reply] = field(default_factory=list)
    messages: list[Call] = field(default_factory=list)
    choices: list[Choice] = field(default_factory=list)
    last_message_id: int = 0

    async def push(self, update: dict[str, Any], times: int = 1) -> list[Reply]:
        """Send an update (`times` copies of it), wait for its replies to reach the chat."""
        api, results = self.world.api, self.world.recorder.results
        update = {"update_id": api.next_update_id(), **update}
        before = len(api.sent_to(self.user_id))
        for _ in range(times):
            api.push_update(update)
        key = str(update["update_id"])
        await api.wait_for(lambda: len(results.get(key, [])) >= times, timeout=20)
        self.replies = [reply for batch in results[key] for reply in batch]
        folded = combined(self.replies, LIMITS.text_length)  # as the transport sends them
        expected = sum(len(render(reply)) for reply in folded)
        await api.wait_for(lambda: len(api.sent_to(self.user_id)) >= before + expected)
        self.messages = api.sent_to(self.user_id)[before:]
        with_buttons = [m for m in self.messages if m.params.get("reply_markup")]
        if with_buttons:
            buttons = fake.iter_buttons(with_buttons[-1])
            self.choices = [Choice(b["text"], b["callback_data"]) for b in buttons]
        return self.replies

    async def command(self, text: str) -> list[Reply]:
        return await self.say(text)

    async def say(self, text: str) -> list[Reply]:
        update = fake.text_update(self.user_id, text, self.language_code)
        self.last_message_id = update["message"]["message_id"]
        return await self.push(update)

    async def tap(self, label: str) -> list[Reply]:
        """Tap a button of the last keyboard Telegram showed, by the start of its label."""
        choice = self.button(label)
        update = fake.callback_update(self.user_id, choice.data, self.language_code, choice.label)
        return await self.push(update)

    async def attach(self, filename: str, kind: str = "document") -> list[Reply]:
        content = f"{filename} from {self.user_id}".encode()
        file_id = self.world.api.add_file(content, f"documents/{self.user_id}_{filename}")
        if kind == "voice":
            return await self.push(fake.voice_update(self.user_id, file_id, len(content)))
        update = fake.document_update(self.user_id, file_id, filename, len(content))
        return await self.push(update)

    async def edit(self, message_id: int, text: str) -> list[Reply]:
        return await self.push(fake.edited_update(self.user_id, message_id, text))

    def button(self, label: str) -> Choice:
        wanted = normalise(label)
        for choice in self.choices:
            if normalise(choice.label.removeprefix("✓ ")).startswith(wanted):
                return choice
        raise AssertionError(f"no button {label!r} among {[c.label for c in self.choices]}")

    @property
    def keys(self) -> list[str]:
        return [reply.key for reply in self.replies]

    @property
    def text(self) -> str:
        return "\n".join(
            str(m.params.get("text", m.params.get("caption", ""))) for m in self.messages
        )


def world_settings(api: FakeTelegram, database: Database, tmp_path: Path, **extra: Any) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]  # pydantic-settings' init-only option
        database_url=database.url,
        attachments_dir=str(tmp_path / "files"),
        telegram_bot_token=api.token,
        telegram_api_base_url=api.base_url,
        telegram_api_file_url=api.base_file_url,
        rapporteurs=[f"telegram:{RAPPORTEUR}"],
        **extra,
    )


@contextlib.asynccontextmanager
async def telegram_world(
    mode: str, database: Database, pack: Pack, tmp_path: Path
) -> AsyncIterator[World]:
    """The engine behind a TelegramTransport serving by long polling or by webhook."""
    with FakeTelegram() as api:
        if mode == "polling":
            settings = world_settings(api, database, tmp_path)
            async with _polling(api, database, pack, settings) as world:
                yield world
        else:
            async with _webhook(api, database, pack, tmp_path) as world:
                yield world


def _parts(
    api: FakeTelegram, database: Database, pack: Pack, settings: Settings
) -> tuple[Recorder, TelegramTransport]:
    store = AttachmentStore(settings.attachments_dir)
    engine = Engine(database, pack, settings, attachments=store)
    return Recorder(engine), TelegramTransport(settings, store, poll_timeout=2)


@contextlib.asynccontextmanager
async def _polling(
    api: FakeTelegram, database: Database, pack: Pack, settings: Settings
) -> AsyncIterator[World]:
    recorder, transport = _parts(api, database, pack, settings)
    async with running(transport, recorder):
        yield World(api, database, recorder, transport, settings)


@contextlib.asynccontextmanager
async def _webhook(
    api: FakeTelegram, database: Database, pack: Pack, tmp_path: Path
) -> AsyncIterator[World]:
    app = build_web_app([])
    async with serve_asgi(app) as url:
        settings = world_settings(
            api,
            database,
            tmp_path,
            telegram_webhook_url=url + WEBHOOK_PATH,
            telegram_webhook_secret=SECRET,
        )
        recorder, transport = _parts(api, database, pack, settings)
        app.router.routes.extend(transport.routes(recorder))
        await transport.start(Startup(recorder))
        try:
            yield World(api, database, recorder, transport, settings)
        finally:
            await transport.stop()


@pytest.fixture(params=["polling", "webhook"])
async def world(
    request: pytest.FixtureRequest, sqlite_db: Database, pack: Pack, tmp_path: Path
) -> AsyncIterator[World]:
    async with telegram_world(request.param, sqlite_db, pack, tmp_path) as built:
        yield built


@pytest.fixture
async def polling_world(sqlite_db: Database, pack: Pack, tmp_path: Path) -> AsyncIterator[World]:
    async with telegram_world("polling", sqlite_db, pack, tmp_path) as built:
        yield built


async def stakeholder(database: Database, user_id: int) -> Stakeholder:
    async with database.transaction() as session:
        found = await session.scalar(
            select(Stakeholder).where(
                Stakeholder.platform == "telegram",
                Stakeholder.platform_user_id == str(user_id),
            )
        )
    assert found is not None
    return found


async def seeded(
    world: World, pack: Pack, language: str = "en", user_id: int | None = None
) -> Person:
    """A stakeholder registered earlier (registration itself is walked in the first test)."""
    person = world.person(user_id, language_code=language)
    row = stakeholder_row(
        person.user_id,
        platform="telegram",
        platform_user_id=str(person.user_id),
        chat_id=str(person.user_id),
        language=language,
        category=pack.categories[2].key,
        country="CL",
        subregion="south_america",
        consent_version=pack.privacy.version,
    )
    await add_stakeholders(world.database, [row])
    return person


async def finish_session(person: Person) -> None:
    """Answer every question shown until the session is complete."""
    for _ in range(12):
        if "session.complete" in person.keys or "consultation.complete" in person.keys:
            return
        await answer_current(person)  # type: ignore[arg-type]  # a Person is driven like a Dialog
    raise AssertionError(f"session did not end: {person.keys}")


# ---------------------------------------------------------------------------------- dialogs


@pytest.mark.slow
async def test_registration_and_a_whole_session(world: World) -> None:
    """A stakeholder registers, answers all of session 1 (a document too), and it is stored."""
    ana = world.person(language_code="en")
    await register(ana, "en")  # type: ignore[arg-type]  # a Person is driven like a Dialog
    assert ana.choices, "registration ends with the menu's buttons"
    await ana.command("/consult")
    assert ana.keys == ["ask.session"]
    await ana.tap("1")
    assert ana.keys[:2] == ["session.intro", "ask.question.objectives"]
    await finish_session(ana)
    assert "session.complete" in ana.keys
    assert not world.api.calls_to("sendMessage", ok=False)
    assert all(len(call.params.get("text", "")) <= 4096 for call in world.api.sent_to(ana.user_id))
    callbacks = [
        call.params["callback_query_id"] for call in world.api.calls_to("answerCallbackQuery")
    ]
    taps = sum(1 for c in world.api.calls if c.method == "answerCallbackQuery")
    assert taps == len(set(callbacks)) > 10  # every tap answered, once
    async with world.database.transaction() as session:
        stored = (await session.scalars(select(Attachment))).all()
    [evidence] = stored
    assert evidence.filename == "evidence.pdf" and evidence.stored_path
    assert Path(evidence.stored_path).read_bytes() == f"evidence.pdf from {ana.user_id}".encode()


async def test_document_answer(polling_world: World, pack: Pack) -> None:
    """A document sent at the evidence question is fetched with getFile and saved as the answer."""
    luis = await seeded(polling_world, pack, "es")
    await luis.command("/consult inclusion")
    while "ask.question.attachment" not in luis.keys:
        await answer_current(luis)  # type: ignore[arg-type]  # a Person is driven like a Dialog
    await luis.attach("aporte.pdf")
    assert "answer.saved" in luis.keys
    [get_file] = polling_world.api.calls_to("getFile")
    async with polling_world.database.transaction() as session:
        attachment = await session.scalar(select(Attachment))
    assert attachment is not None
    assert attachment.platform_file_id == get_file.params["file_id"]
    assert (
        Path(attachment.stored_path or "").read_bytes()
        == f"aporte.pdf from {luis.user_id}".encode()
    )


async def test_a_file_the_store_cannot_write_is_said_not_kept_and_polling_goes_on(
    polling_world: World, pack: Pack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk while keeping a document: the sender hears it was not kept; nothing stops."""
    luis = await seeded(polling_world, pack, "en")
    await luis.command("/consult inclusion")
    while "ask.question.attachment" not in luis.keys:
        await answer_current(luis)  # type: ignore[arg-type]  # a Person is driven like a Dialog

    def full_disk(*_args: object) -> Path:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(polling_world.transport.attachments, "save", full_disk)
    await luis.attach("aporte.pdf")
    assert luis.keys[0] == "error.file_not_kept"
    async with polling_world.database.transaction() as session:
        assert await session.scalar(select(Attachment)) is None
    await luis.command("/help")  # the poller is still serving
    assert luis.keys == ["help"]


async def test_language_switch_mid_session(polling_world: World, pack: Pack) -> None:
    """/language mid-question switches to Spanish and asks the same question again in it."""
    ana = await seeded(polling_world, pack, "en")
    await ana.command("/consult inclusion")
    await answer_current(ana)  # type: ignore[arg-type]  # a Person is driven like a Dialog
    asked_before = next(k for k in ana.keys if k.startswith("ask.question."))
    await ana.command("/language")
    await ana.tap("Español")
    assert ana.keys[0] == "language.changed" and asked_before in ana.keys
    assert any(label in ana.text for label in ("Inclusión", "Escriba", "respuesta"))
    assert (await stakeholder(polling_world.database, ana.user_id)).language == "es"
    await answer_current(ana, "Una respuesta")  # type: ignore[arg-type]  # a Person is driven like a Dialog
    assert "answer.saved" in ana.keys


async def test_edit_of_a_message_still_being_written(polling_world: World, pack: Pack) -> None:
    """Editing a message of the answer in progress updates it; an older edit points to /answers."""
    ana = await seeded(polling_world, pack, "en")
    await ana.command("/consult inclusion")
    await answer_current(ana)  # objectives; the next question takes text
    await ana.say("First draft of our answer")
    assert ana.keys == ["text.added"]
    await ana.edit(ana.last_message_id, "Corrected answer")
    assert ana.keys == ["text.edited"]
    await ana.edit(1, "An edit of an old message")
    assert ana.keys == ["edit.ignored"] and "/answers" in ana.text


async def test_repeated_update_is_answered_once(world: World) -> None:
    """The same update delivered twice (a redelivery) gets one set of replies."""
    ana = world.person(language_code="es")
    update = fake.text_update(ana.user_id, "/start", "es")
    await ana.push(update, times=2)
    [first, second] = world.recorder.results[str(max(world.recorder.results, key=int))]
    assert [r.key for r in first] == ["ask.language"] and second == []
    assert len(world.api.sent_to(ana.user_id)) == 1
    assert ana.choices[0].label == "Español"  # Telegram's language_code offered first


async def test_group_message_gets_the_private_only_reply(polling_world: World) -> None:
    """A message in a group is answered there, once, with a pointer to private chat."""
    api, results = polling_world.api, polling_world.recorder.results
    update = api.push_update(fake.group_update(-100777, 4242, "hola bot"))
    await api.wait_for(lambda: api.sent_to(-100777))
    [[reply]] = results[str(update["update_id"])]
    assert reply.key == "group.private_only"
    assert len(api.sent_to(-100777)) == 1 and api.sent_to(4242) == []


# ---------------------------------------------------------------------------------- roles


async def test_rapporteur_export_arrives_as_a_document(polling_world: World, pack: Pack) -> None:
    """/export (RAPPORTEURS=telegram:<id>) offers formats; the tap brings a CSV document."""
    rapporteur = await seeded(polling_world, pack, "en", RAPPORTEUR)
    await rapporteur.command("/export")
    assert rapporteur.keys == ["ask.export"]
    await rapporteur.tap("Table (CSV)")
    assert rapporteur.keys == ["export.document"]
    [document] = [m for m in rapporteur.messages if m.method == "sendDocument"]
    upload = document.files["document"]
    assert upload.filename and upload.filename.endswith(".csv")
    header = next(csv.reader(io.StringIO(upload.content.decode("utf-8-sig"))))
    assert len(header) > 3
    assert document.params["caption"] == rapporteur.replies[-1].text
    await rapporteur.command("/export md")  # the format as an argument: no question
    [report] = [m for m in rapporteur.messages if m.method == "sendDocument"]
    assert (report.files["document"].filename or "").endswith(".md")


async def test_export_is_refused_to_others(polling_world: World, pack: Pack) -> None:
    """Someone who is not a rapporteur gets a refusal, not a file."""
    stranger = await seeded(polling_world, pack, "en")
    await stranger.command("/export")
    assert stranger.keys == ["error.forbidden"]
    assert [m.method for m in stranger.messages] == ["sendMessage"]


# ---------------------------------------------------------------------------------- outbox


async def telegram_stakeholders(database: Database, count: int, first: int = 50_000) -> list[int]:
    rows = [
        stakeholder_row(
            n,
            platform="telegram",
            platform_user_id=str(first + n),
            chat_id=str(first + n),
            language="es" if n % 2 else "en",
        )
        for n in range(count)
    ]
    return await add_stakeholders(database, rows)


async def broadcast(database: Database, pack: Pack) -> int:
    async with database.transaction() as session:
        queued = await create_broadcast(
            session,
            texts={"es": "La audiencia es el 12 de mayo.", "en": "The hearing is on 12 May."},
            audience=Audience(),
            languages=pack.languages,
            default_language=pack.default_language,
            created_by="telegram:1",
            now=START,
        )
    return queued.recipients


async def outbox_statuses(database: Database) -> dict[str, str]:
    async with database.transaction() as session:
        rows = await session.execute(select(OutboxMessage.chat_id, OutboxMessage.status))
    return dict(rows.all())


def fast_sender(world: World) -> OutboxSender:
    policy = SenderPolicy(rate_per_second=1000, batch_size=50)
    return OutboxSender(world.database, {"telegram": world.transport}, policy)


@pytest.mark.slow
async def test_broadcast_to_200_meets_a_429_and_delivers_each_once(
    polling_world: World, pack: Pack
) -> None:
    """A 429 mid-broadcast pauses for retry_after; all 200 get their message exactly once."""
    api = polling_world.api
    await telegram_stakeholders(polling_world.database, 200)
    assert await broadcast(polling_world.database, pack) == 200
    api.fail_next("sendMessage", fake.too_many_requests(1), after=37)
    report = await fast_sender(polling_world).drain()
    delivered = api.calls_to("sendMessage", ok=True)
    [limited] = api.calls_to("sendMessage", ok=False)
    assert limited.error is not None and limited.error.status == 429
    assert report.sent == 200 and len(delivered) == 200
    assert sorted(c.chat_id for c in delivered) == sorted(str(50_000 + n) for n in range(200))
    assert {c.params["text"] for c in delivered} == {
        "La audiencia es el 12 de mayo.",
        "The hearing is on 12 May.",
    }
    after = sorted(c.at for c in delivered if c.at > limited.at)
    in_flight = [at for at in after if at - limited.at < 0.95]  # sent before the 429 came back
    assert len(in_flight) < SenderPolicy().concurrency
    # only sends already under way land just after it: none once the 429 was read
    assert all(at - limited.at < 0.3 for at in in_flight)
    assert after[len(in_flight)] - limited.at >= 0.95  # then retry_after honoured
    assert set((await outbox_statuses(polling_world.database)).values()) == {"sent"}


async def test_blocking_marks_unreachable_and_unblocking_restores(
    polling_world: World, pack: Pack
) -> None:
    """my_chat_member kicked: no more sends; a 403 on send marks the same; unblocking restores."""
    api, database = polling_world.api, polling_world.database
    await telegram_stakeholders(database, 3)
    blocker, silent = 50_000, 50_001  # one tells us by update, one only by a 403
    person = polling_world.person(blocker)
    await person.push(fake.membership_update(blocker, "member", "kicked"))
    assert person.replies == [] and api.sent_to(blocker) == []
    assert (await stakeholder(database, blocker)).unreachable_since is not None
    api.fail_chat(silent, fake.BOT_BLOCKED)
    await broadcast(database, pack)
    report = await fast_sender(polling_world).drain()
    assert (report.sent, report.unreachable) == (1, 1)
    assert api.sent_to(blocker) == [] and api.sent_to(silent) == []
    assert [c.error for c in api.calls_to("sendMessage", ok=False)] == [fake.BOT_BLOCKED]
    statuses = await outbox_statuses(database)
    assert str(blocker) not in statuses  # not even queued
    assert statuses[str(silent)] == outbox.UNREACHABLE
    assert (await stakeholder(database, silent)).unreachable_since is not None
    await person.push(fake.membership_update(blocker, "kicked", "member"))
    assert (await stakeholder(database, blocker)).unreachable_since is None


async def test_group_message_does_not_move_a_stakeholders_chat(
    polling_world: World, pack: Pack
) -> None:
    """A registered stakeholder who writes in a group still gets broadcasts in private."""
    api, database = polling_world.api, polling_world.database
    await telegram_stakeholders(database, 1)
    member = 50_000
    update = api.push_update(fake.group_update(-100888, member, "hola"))
    await api.wait_for(lambda: str(update["update_id"]) in polling_world.recorder.results)
    await broadcast(database, pack)
    await fast_sender(polling_world).drain()
    assert len(api.sent_to(member)) == 1


# ---------------------------------------------------------------------------------- consultbot run


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_consultbot_run_serves_telegram(mode: str, tmp_path: Path) -> None:
    """`consultbot run` (bot.app.serve) answers Telegram by polling or webhook until SIGINT."""
    from bot.app import serve

    port = free_port()
    with FakeTelegram() as api:
        webhook = {
            "telegram_webhook_url": f"http://127.0.0.1:{port}{WEBHOOK_PATH}",
            "telegram_webhook_secret": SECRET,
        }
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]  # pydantic-settings' init-only option
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'run.db'}",
            attachments_dir=str(tmp_path / "files"),
            telegram_bot_token=api.token,
            telegram_api_base_url=api.url,  # a bare server URL, as for a self-hosted Bot API
            http_host="127.0.0.1",
            http_port=port,
            **(webhook if mode == "webhook" else {}),
        )
        task = asyncio.create_task(serve(settings))
        try:
            if mode == "webhook":
                await api.wait_for(lambda: api.webhook is not None, timeout=20)
                await wait_for_health(f"http://127.0.0.1:{port}/healthz", task)
            else:
                # getUpdates is recorded when it returns, so wait for its forerunner
                await api.wait_for(lambda: api.calls_to("deleteWebhook"), timeout=20)
            api.push_update(fake.text_update(8001, "/start", "en"))
            await api.wait_for(lambda: api.sent_to(8001), timeout=20)
        except BaseException:
            task.cancel()  # serve() may not have its signal handlers yet: no SIGINT here
            raise
        # A reply went out, so serve() is in its run loop with SIGINT/SIGTERM handled.
        os.kill(os.getpid(), signal.SIGINT)
        await asyncio.wait_for(task, 20)
    [welcome] = api.sent_to(8001)
    assert welcome.params["reply_markup"]["inline_keyboard"][0][0]["text"] == "English"
    if mode == "webhook":
        assert [status for _id, status in api.webhook_deliveries] == [200]
        assert not api.calls_to("getUpdates")


async def wait_for_health(url: str, server: asyncio.Task) -> None:
    import httpx

    async with httpx.AsyncClient() as client:
        for _ in range(200):
            if server.done():
                server.result()
            with contextlib.suppress(httpx.TransportError):
                if (await client.get(url)).status_code == 200:
                    return
            await asyncio.sleep(0.05)
    raise TimeoutError(url)
