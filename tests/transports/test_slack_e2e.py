"""Slack end to end: signed HTTP requests to the shared ASGI app, the real bolt AsyncApp and engine,
the lac-2025 pack on SQLite, and the loopback fake Web API standing in for Slack."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from bot.core.attachments import AttachmentStore
from bot.core.messages import Handled, Inbound, Reply
from bot.core.settings import Settings
from bot.core.text import normalise
from bot.engine.engine import Engine
from bot.outbox.sender import OutboxSender, SenderPolicy
from bot.pack import Pack
from bot.transports.slack.transport import EVENTS_PATH, SlackTransport
from bot.web import build_web_app
from storage.broadcasts import Audience, create_broadcast
from storage.db import Database
from storage.models import Answer, OutboxMessage, Stakeholder
from tests.fakes import slack_api as fake
from tests.fakes import slack_requests as slack

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"


@dataclass
class Recording:
    """The engine's handle, recording what went in and which reply keys came out."""

    engine: Engine
    log: list[tuple[Inbound, list[Reply]]] = field(default_factory=list)

    def ordered(self, platform: str, user_id: str) -> AbstractAsyncContextManager[None]:
        return self.engine.ordered(platform, user_id)

    async def process(self, inbound: Inbound) -> Handled:
        handled = await self.engine.process(inbound)
        self.log.append((inbound, handled.replies))
        return handled


@dataclass
class SlackUser:
    """A stakeholder in Slack: DMs the bot, presses buttons, picks from selects, shares files."""

    http: httpx.AsyncClient
    transport: SlackTransport
    api: fake.FakeSlackApi
    recording: Recording
    user_id: str = "U1"
    keys: list[str] = field(default_factory=list)

    @property
    def dm(self) -> str:
        return fake.dm_channel_of(self.user_id)

    async def _post(self, raw: str, content_type: str, **signing: Any) -> httpx.Response:
        seen = len(self.recording.log)
        headers = slack.signed_headers(raw, content_type, **signing)
        response = await self.http.post(EVENTS_PATH, content=raw, headers=headers)
        await self.transport.idle()
        self.keys = [reply.key for _, replies in self.recording.log[seen:] for reply in replies]
        return response

    async def event(self, body: dict[str, Any], **signing: Any) -> httpx.Response:
        return await self._post(json.dumps(body), JSON, **signing)

    async def say(self, text: str, **fields: Any) -> httpx.Response:
        return await self.event(slack.message_event(self.user_id, text, **fields))

    async def slash(self, command: str, text: str = "") -> httpx.Response:
        return await self._post(slack.slash_command(self.user_id, command, text), FORM)

    async def press(self, message: dict[str, Any], value: str) -> httpx.Response:
        payload = slack.press(self.user_id, message, value)
        return await self._post(slack.interactive_body(payload), FORM)

    async def tap(self, label: str) -> httpx.Response:
        """Press the button (or pick the option) whose label starts with `label`."""
        message = self.last_with_buttons()
        wanted = normalise(label)
        for button in slack.buttons(message):
            if normalise(button["label"].removeprefix("✓ ")).startswith(wanted):
                return await self.press(message, button["value"])
        shown = [button["label"] for button in slack.buttons(message)]
        raise AssertionError(f"no button {label!r} among {shown}")

    async def tap_nth(self, index: int) -> httpx.Response:
        message = self.last_with_buttons()
        return await self.press(message, list(slack.buttons(message))[index]["value"])

    async def share(self, name: str, content: bytes, text: str = "") -> httpx.Response:
        file = self.api.add_file(name, content)
        return await self.event(slack.file_share_event(self.user_id, file, text))

    def last_with_buttons(self) -> dict[str, Any]:
        with_buttons = [m for m in self.api.posted(self.dm) if list(slack.buttons(m))]
        assert with_buttons, "no message with buttons in the DM"
        return with_buttons[-1]

    @property
    def shown(self) -> list[str]:
        return [button["label"] for button in slack.buttons(self.last_with_buttons())]


@pytest.fixture
def api() -> Iterator[fake.FakeSlackApi]:
    with fake.FakeSlackApi() as server:
        server.add_user("U1", locale="es-LA")
        server.add_user("U2", locale="en-US", real_name="John Doe")
        yield server


@pytest.fixture
def settings(api: fake.FakeSlackApi, sqlite_db: Database, tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]  # pydantic-settings' init-only option
        database_url=sqlite_db.url,
        attachments_dir=str(tmp_path / "files"),
        slack_bot_token=fake.BOT_TOKEN,
        slack_signing_secret=fake.SIGNING_SECRET,
        slack_api_url=api.base_url,
        rapporteurs=["slack:U2"],
    )


@pytest.fixture
def engine(sqlite_db: Database, pack: Pack, settings: Settings) -> Engine:
    return Engine(sqlite_db, pack, settings, attachments=AttachmentStore(settings.attachments_dir))


@pytest.fixture
def transport(settings: Settings) -> SlackTransport:
    return SlackTransport(settings, AttachmentStore(settings.attachments_dir))


@pytest.fixture
def recording(engine: Engine) -> Recording:
    return Recording(engine)


@pytest.fixture
async def http(transport: SlackTransport, recording: Recording) -> AsyncIterator[httpx.AsyncClient]:
    """The one ASGI app with Slack's routes, called in-process as Slack would over HTTPS."""
    app = build_web_app(transport.routes(recording))
    asgi = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=asgi, base_url="http://consultbot.test") as client:
        yield client


@pytest.fixture
def people(
    http: httpx.AsyncClient,
    transport: SlackTransport,
    api: fake.FakeSlackApi,
    recording: Recording,
) -> Any:
    def person(user_id: str) -> SlackUser:
        return SlackUser(http, transport, api, recording, user_id)

    return person


@pytest.fixture
def ana(people: Any) -> SlackUser:
    return people("U1")


async def register(person: SlackUser, country_first: bool = True) -> None:
    """Registration in Spanish from /consult: the Slack locale puts Español first."""
    await person.slash("/consult")
    assert "ask.language" in person.keys, person.keys
    assert person.shown[0] == "Español"
    await person.tap("Español")
    await person.tap("Acepto")
    await person.say("Red Migrante Andina")
    assert person.keys == ["ask.category"], person.keys
    await person.tap_nth(2)
    assert person.keys == ["ask.country"], person.keys
    await person.tap_nth(0)  # a subregion, then its countries in a select
    assert person.keys == ["ask.country.list"], person.keys
    assert person.last_with_buttons()["blocks"][-1]["elements"][0]["type"] == "static_select"
    await person.tap("Jamaica")
    # Slack auto-links a typed address; the engine must get it as typed.
    await person.say("<mailto:ana@example.org|ana@example.org>")
    assert person.keys == ["ask.attribution"], person.keys
    await person.tap("Sí, pueden nombrarnos")
    assert person.keys == ["ask.publication"], person.keys
    await person.tap("Sí, publíquenlas")
    await person.tap("Sí, recordarme")
    assert person.keys == ["registered"], person.keys


async def stakeholder(database: Database, user_id: str = "U1") -> Stakeholder | None:
    async with database.transaction() as session:
        return await session.scalar(
            select(Stakeholder).where(
                Stakeholder.platform == "slack", Stakeholder.platform_user_id == user_id
            )
        )


@pytest.mark.slow
async def test_registration_and_a_whole_session_in_slack(
    ana: SlackUser, api: fake.FakeSlackApi, sqlite_db: Database, pack: Pack
) -> None:
    """From /consult to session.complete with buttons, a select, typed text and a shared file."""
    await register(ana)
    registered = await stakeholder(sqlite_db)
    assert registered is not None
    assert (registered.chat_id, registered.country, registered.email) == (
        "D1",
        "JM",
        "ana@example.org",
    )
    await ana.slash("/consult")
    assert "ask.session" in ana.keys
    await ana.tap("1.")
    session = pack.sessions[0]
    for _question in session.questions:
        asked = next(k for k in ana.keys if k.startswith("ask.question."))
        await answer(ana, asked.removeprefix("ask.question."))
    assert "session.complete" in ana.keys, ana.keys
    async with sqlite_db.transaction() as db:
        saved = await db.scalar(
            select(func.count()).select_from(Answer).where(Answer.session_key == session.key)
        )
        texts = (await db.scalars(select(Answer.value))).all()
    assert saved == len(session.questions)
    assert "Regularización & acceso a servicios <2025>" in json.dumps(texts, ensure_ascii=False)


async def answer(person: SlackUser, kind: str) -> None:
    """Answer the shown question the way a stakeholder in Slack would."""
    if kind == "text":
        # Slack escapes &, < and > in event text (2026-11); the answer is stored unescaped.
        await person.say("Regularización &amp; acceso a servicios &lt;2025&gt;")
        await person.tap("Listo")
    elif kind in ("objectives", "multiple_choice"):
        await person.tap_nth(0)
        await person.tap("Listo")
    elif kind == "single_choice":
        await person.tap_nth(0)
    elif kind == "attachment":
        await person.share("evidencia.pdf", b"%PDF-1.7 evidencia")
    else:
        raise AssertionError(f"no Slack answer for {kind}")


async def test_a_button_press_closes_its_message(ana: SlackUser, api: fake.FakeSlackApi) -> None:
    """A press is acked, moves the flow on, and leaves the message without buttons."""
    await ana.slash("/consult")
    question = ana.last_with_buttons()
    response = await ana.tap("Español")
    assert response.status_code == 200
    assert "ask.consent" in ana.keys
    closed = api.state.messages[(ana.dm, question["ts"])]
    assert list(slack.buttons(closed)) == []
    assert "Español" in json.dumps(closed["blocks"], ensure_ascii=False)


async def test_a_stale_button_gets_the_old_button_reply(
    ana: SlackUser, api: fake.FakeSlackApi
) -> None:
    """A press on an earlier question's buttons is answered as stale and changes nothing."""
    await ana.slash("/consult")
    language_question = ana.last_with_buttons()
    await ana.tap("Español")
    assert "ask.consent" in ana.keys
    await ana.press(language_question, next(slack.buttons(language_question))["value"])
    assert "error.stale" in ana.keys, ana.keys
    await ana.tap("Acepto")
    assert "consent.given" in ana.keys


@pytest.mark.slow
async def test_a_file_answer_is_stored(
    ana: SlackUser, api: fake.FakeSlackApi, sqlite_db: Database, settings: Settings
) -> None:
    """A file shared in the DM at an attachment question is saved and answers it."""
    await register(ana)
    await ana.slash("/consult", "1")
    for kind in ("objectives", "text", "text", "multiple_choice", "text"):
        await answer(ana, kind)
    assert "ask.question.attachment" in ana.keys, ana.keys
    await ana.share("informe.pdf", b"%PDF-1.7 informe", "nuestro informe")
    assert "answer.saved" in ana.keys or "session.complete" in ana.keys, ana.keys
    stored = list((Path(settings.attachments_dir) / "slack").glob("*informe.pdf"))
    assert [p.read_bytes() for p in stored] == [b"%PDF-1.7 informe"]


async def test_a_bad_signature_is_refused_and_nothing_processed(
    ana: SlackUser, api: fake.FakeSlackApi, sqlite_db: Database
) -> None:
    """401 for a forged or stale request; no stakeholder, no call to Slack."""
    hello = slack.message_event("U1", "hola")
    forged = await ana.event(hello, secret="forged-secret")
    stale = await ana.event(hello, timestamp=int(time.time()) - 3600)
    assert (forged.status_code, stale.status_code) == (401, 401)
    assert ana.recording.log == []
    assert api.calls == []
    assert await stakeholder(sqlite_db) is None


async def test_a_redelivered_event_is_processed_once(
    ana: SlackUser, api: fake.FakeSlackApi
) -> None:
    """Slack's retry of an event (same event_id, X-Slack-Retry-Num) gets no second answer."""
    body = slack.message_event("U1", "hola", event_id="EvREDELIVERED")
    await ana.event(body)
    first = len(api.posted(ana.dm))
    assert first >= 1
    retry = await ana.event(body, retry=1)
    assert retry.status_code == 200
    assert ana.keys == []
    assert len(api.posted(ana.dm)) == first


async def test_a_redelivery_racing_the_first_delivery_is_processed_once(
    ana: SlackUser, api: fake.FakeSlackApi, recording: Recording
) -> None:
    """A retry that arrives while the first delivery is still being handled is not answered."""
    raw = json.dumps(slack.message_event("U1", "hola", event_id="EvRACE"))
    first = slack.signed_headers(raw, JSON)
    retry = slack.signed_headers(raw, JSON, retry=1)
    responses = await asyncio.gather(
        ana.http.post(EVENTS_PATH, content=raw, headers=first),
        ana.http.post(EVENTS_PATH, content=raw, headers=retry),
    )
    await ana.transport.idle()
    assert [r.status_code for r in responses] == [200, 200]
    answered = [replies for inbound, replies in recording.log if inbound.update_id == "EvRACE"]
    assert sorted(len(replies) > 0 for replies in answered) == [False, True]


@pytest.mark.slow
async def test_a_broadcast_meets_a_429_and_every_dm_gets_it_once(
    people: Any,
    transport: SlackTransport,
    api: fake.FakeSlackApi,
    sqlite_db: Database,
    pack: Pack,
) -> None:
    """The outbox waits out Slack's Retry-After and marks an inactive account unreachable."""
    await register(people("U1"))
    api.add_user("U3")
    await register(people("U3"))
    async with sqlite_db.transaction() as session:
        queued = await create_broadcast(
            session,
            texts={"es": "Hoja de ruta: la reunión es el 10 de mayo", "en": "Roadmap update"},
            audience=Audience(),
            languages=pack.languages,
            default_language=pack.default_language,
            created_by="slack:UORG",
            now=dt.datetime.now(dt.UTC),
        )
    assert queued.recipients == 2
    api.reset_calls()
    api.fail_next("chat.postMessage", error="ratelimited", retry_after=1)
    api.fail_next("chat.postMessage", error="account_inactive")
    sender = OutboxSender(sqlite_db, {"slack": transport}, SenderPolicy(per_chat_interval=0.0))
    started = time.monotonic()
    report = await sender.drain()
    assert time.monotonic() - started >= 1.0  # Retry-After was honoured
    posts = api.calls_to("chat.postMessage")
    assert len(posts) == 3  # 429, then the retry, then the other user's account_inactive
    assert (report.sent, report.unreachable) == (1, 1)
    broadcast = [m for m in api.posted() if m["text"].startswith("Hoja de ruta")]
    assert len(broadcast) == 1
    async with sqlite_db.transaction() as session:
        statuses = sorted((await session.scalars(select(OutboxMessage.status))).all())
    assert statuses == ["sent", "unreachable"]


@pytest.mark.slow
async def test_a_multiple_choice_toggle_updates_the_question_in_place(
    ana: SlackUser, api: fake.FakeSlackApi
) -> None:
    """Ticking an objective redraws the same message with the tick, instead of a new one."""
    await register(ana)
    await ana.slash("/consult", "1")
    assert "ask.question.objectives" in ana.keys, ana.keys
    question = ana.last_with_buttons()
    before = len(api.posted(ana.dm))
    await ana.tap_nth(0)
    assert len(api.posted(ana.dm)) == before
    redrawn = api.state.messages[(ana.dm, question["ts"])]
    labels = [button["label"] for button in slack.buttons(redrawn)]
    assert labels[0].startswith("✓ "), labels
    await ana.tap("Listo")
    assert "answer.saved" in ana.keys, ana.keys


@pytest.mark.slow
async def test_a_rapporteurs_export_arrives_as_a_file_in_the_dm(
    people: Any, api: fake.FakeSlackApi
) -> None:
    """/export csv uploads the file with files_upload_v2 into the rapporteur's DM."""
    rapporteur = people("U2")
    await rapporteur.slash("/export", "csv")
    assert rapporteur.keys == ["export.document"], rapporteur.keys
    (complete,) = api.calls_to("files.completeUploadExternal")
    assert complete["channel_id"] == rapporteur.dm
    assert complete["initial_comment"]
    (content,) = api.state.uploads.values()
    assert content.splitlines()[0]  # a CSV header row


async def test_the_slack_locale_is_offered_first(people: Any) -> None:
    """users.info's locale decides which language button comes first."""
    english, spanish = people("U2"), people("U1")
    await english.say("hello")
    await spanish.say("hola")
    assert (english.shown[0], spanish.shown[0]) == ("English", "Español")


@pytest.mark.slow
async def test_editing_a_sent_part_of_a_text_answer_updates_it(ana: SlackUser) -> None:
    """A Slack edit of a message still being written into an answer replaces that part."""
    await register(ana)
    await ana.slash("/consult", "1")
    await answer(ana, "objectives")
    assert "ask.question.text" in ana.keys, ana.keys
    draft = slack.message_event("U1", "Primer borrador")
    await ana.event(draft)
    assert "text.added" in ana.keys, ana.keys
    await ana.event(slack.edit_event(draft, "Versión corregida"))
    assert ana.keys == ["text.edited"], ana.keys
