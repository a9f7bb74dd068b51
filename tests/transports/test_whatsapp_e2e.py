"""End to end: stakeholders on WhatsApp, through our webhook, the engine, pywa and the outbox.

Every test runs the WhatsApp transport in the one ASGI app, the real engine over a migrated SQLite
file and the lac-2025 pack, against the loopback fake Cloud API. A stakeholder here is driven only
by signed webhook notifications and sees only what the fake Cloud API received; the engine's
reply keys are read from a thin wrapper around `Engine.handle`, to compare keys, not copy.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bot.core.attachments import AttachmentStore
from bot.core.messages import Choice, Reply
from bot.core.settings import Settings
from bot.core.text import normalise
from bot.engine import Engine
from bot.outbox.ledger import DeliveryLedger
from bot.pack import Pack
from bot.transports.whatsapp.transport import WEBHOOK_PATH, WhatsAppTransport
from bot.web import build_web_app
from storage.db import Database
from storage.models import Attachment, Stakeholder
from tests.dialog import answer_current, register
from tests.fakes import whatsapp_api as fake
from tests.fakes.whatsapp_api import Call, FakeWhatsApp
from tests.outbox.helpers import START, FakeClock, add_stakeholders, stakeholder_row
from tests.transports.test_telegram_e2e import Recorder

VERIFY_TOKEN = "e2e-verify-token"
RAPPORTEUR = "5215500007001"
_numbers = itertools.count(5215512340000)


@dataclass
class World:
    api: FakeWhatsApp
    database: Database
    recorder: Recorder
    transport: WhatsAppTransport
    http: httpx.AsyncClient
    settings: Settings

    def person(self, wa_id: str | None = None) -> Person:
        return Person(self, wa_id or str(next(_numbers)))

    async def post(self, payload: dict[str, Any], secret: str = fake.APP_SECRET) -> httpx.Response:
        body, headers = fake.signed(payload, secret)
        return await self.http.post(WEBHOOK_PATH, content=body, headers=headers)


@dataclass
class Person:
    """A stakeholder with WhatsApp: the same interface as tests.dialog.Dialog."""

    world: World
    wa_id: str
    replies: list[Reply] = field(default_factory=list)
    messages: list[Call] = field(default_factory=list)
    choices: list[Choice] = field(default_factory=list)
    shown_as: str = ""  # "button" or "list": how the last choices came

    async def push(self, payload: dict[str, Any], times: int = 1) -> list[Reply]:
        """Deliver a notification (`times` copies); our webhook answers once it has replied."""
        api, results = self.world.api, self.world.recorder.results
        before = len(api.sent_to(self.wa_id))
        for _ in range(times):
            response = await self.world.post(payload)
            assert response.status_code == 200
        message_id = payload["entry"][0]["changes"][0]["value"]["messages"][0]["id"]
        self.replies = [reply for batch in results.get(message_id, []) for reply in batch]
        self.messages = api.sent_to(self.wa_id)[before:]
        shown = [call for call in self.messages if call.choices()]
        if shown:
            self.choices = [Choice(title, data) for title, data in shown[-1].choices()]
            self.shown_as = shown[-1].payload["interactive"]["type"]
        return self.replies

    async def say(self, text: str) -> list[Reply]:
        return await self.push(fake.text(self.wa_id, text))

    async def command(self, text: str) -> list[Reply]:
        return await self.say(text)

    async def tap(self, label: str) -> list[Reply]:
        """Tap a reply button or a list row of the last message that showed some."""
        choice = self.button(label)
        if self.shown_as == "list":
            return await self.push(fake.list_reply(self.wa_id, choice.data, choice.label))
        return await self.push(fake.button_reply(self.wa_id, choice.data, choice.label))

    async def attach(self, filename: str, kind: str = "document") -> list[Reply]:
        content = f"{filename} from {self.wa_id}".encode()
        if kind == "voice":
            media_id = self.world.api.add_media(content, "audio/ogg; codecs=opus")
            return await self.push(fake.voice(self.wa_id, media_id))
        if kind == "image":
            media_id = self.world.api.add_media(content, "image/jpeg")
            return await self.push(fake.image(self.wa_id, media_id))
        media_id = self.world.api.add_media(content, "application/pdf", filename)
        return await self.push(fake.document(self.wa_id, media_id, filename, "application/pdf"))

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
        return "\n".join(call.text for call in self.messages)


def world_settings(api: FakeWhatsApp, database: Database, tmp_path: Path, **extra: Any) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]  # pydantic-settings' init-only option
        database_url=database.url,
        attachments_dir=str(tmp_path / "files"),
        whatsapp_token=api.token,
        whatsapp_phone_number_id=api.phone_number_id,
        whatsapp_app_secret=fake.APP_SECRET,
        whatsapp_verify_token=VERIFY_TOKEN,
        whatsapp_api_url=api.url,
        rapporteurs=[f"whatsapp:{RAPPORTEUR}"],
        **extra,
    )


@contextlib.asynccontextmanager
async def whatsapp_world(
    database: Database, pack: Pack, tmp_path: Path, **settings: Any
) -> AsyncIterator[World]:
    """The engine behind a WhatsAppTransport whose routes serve the one ASGI app."""
    templates = {("consulta_aviso", "es"): 1}
    with FakeWhatsApp(templates=templates) as api:
        current = world_settings(api, database, tmp_path, **settings)
        store = AttachmentStore(current.attachments_dir)
        recorder = Recorder(Engine(database, pack, current, attachments=store))
        transport = WhatsAppTransport(
            current, store, DeliveryLedger(database), default_language=pack.default_language
        )
        app = build_web_app(transport.routes(recorder))
        asgi = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=asgi, base_url="http://testserver") as http:
            try:
                yield World(api, database, recorder, transport, http, current)
            finally:
                await transport.stop()


@pytest.fixture
async def world(sqlite_db: Database, pack: Pack, tmp_path: Path) -> AsyncIterator[World]:
    async with whatsapp_world(sqlite_db, pack, tmp_path) as built:
        yield built


async def stakeholder(database: Database, wa_id: str) -> Stakeholder | None:
    async with database.transaction() as session:
        return await session.scalar(
            select(Stakeholder).where(
                Stakeholder.platform == "whatsapp", Stakeholder.platform_user_id == wa_id
            )
        )


async def finish_session(person: Person) -> None:
    for _ in range(12):
        if "session.complete" in person.keys or "consultation.complete" in person.keys:
            return
        await answer_current(person)  # type: ignore[arg-type]  # a Person is driven like a Dialog
    raise AssertionError(f"session did not end: {person.keys}")


# ---------------------------------------------------------------------------------- dialogs


@pytest.mark.slow
async def test_registration_and_a_whole_session(world: World) -> None:
    """A stakeholder registers and answers all of session 1 (a document too), within the rules."""
    ana = world.person()
    await register(ana, "en")  # type: ignore[arg-type]  # a Person is driven like a Dialog
    assert ana.choices, "registration ends with the menu"
    await ana.command("/consult")
    assert ana.keys == ["ask.session"]
    await ana.tap("1")
    assert ana.keys[:2] == ["session.intro", "ask.question.objectives"]
    await finish_session(ana)
    assert "session.complete" in ana.keys
    assert world.api.refused() == [], [c.error for c in world.api.refused()]
    kinds = {call.payload.get("interactive", {}).get("type") for call in world.api.calls}
    assert {"button", "list"} <= kinds  # both layouts were needed
    async with world.database.transaction() as session:
        [evidence] = (await session.scalars(select(Attachment))).all()
    assert evidence.filename == "evidence.pdf" and evidence.stored_path
    assert Path(evidence.stored_path).read_bytes() == f"evidence.pdf from {ana.wa_id}".encode()
    row = await stakeholder(world.database, ana.wa_id)
    assert row is not None and row.last_inbound_at is not None


async def test_language_is_offered_first_in_the_numbers_language(world: World) -> None:
    """A Mexican number sees Español first, a Brazilian one Português; four languages: a list."""
    luis = world.person("5215599990000")
    await luis.say("Hola")
    assert luis.keys == ["ask.language"]
    [question] = luis.messages
    assert question.payload["interactive"]["type"] == "list"
    assert question.choices()[0][0] == "Español"
    ana = world.person("5511999990000")
    await ana.say("Olá")
    assert ana.messages[0].choices()[0][0] == "Português"


async def test_a_long_list_is_paged_with_a_more_row(world: World) -> None:
    """26 Caribbean countries come nine to a page; "More options" shows the next page only."""
    rosa = world.person("18765550000")
    await register_until_country(rosa)
    await rosa.tap("The Caribbean")
    [first_page] = [call for call in rosa.messages if call.choices()]
    rows = first_page.choices()
    assert len(rows) == 10 and rows[-1][0] == "More options"
    await rosa.tap("More options")
    [second_page] = rosa.messages  # the page alone: no stale-button notice, no repeated text
    assert second_page.choices()[0] not in rows and len(second_page.choices()) == 10
    await rosa.tap("More options")
    third = [title for title, _ in rosa.messages[0].choices()]
    assert "Back" in third and "More options" not in third
    assert (await stakeholder(rosa.world.database, rosa.wa_id)).country is None  # type: ignore[union-attr]  # found above
    await rosa.tap("Trinidad")
    assert rosa.keys[0] != "error.expected"
    assert (await stakeholder(rosa.world.database, rosa.wa_id)).country == "TT"  # type: ignore[union-attr]  # found above
    assert world.api.refused() == []


async def register_until_country(person: Person) -> None:
    await person.say("Hello")
    await person.tap("English")
    await person.tap("I agree")
    await person.say("Caribbean Migrant Network")
    await person.tap(person.choices[2].label)
    assert person.keys == ["ask.country"]


async def seeded(
    world: World, pack: Pack, language: str = "en", wa_id: str | None = None
) -> Person:
    """A stakeholder registered earlier, who wrote a moment ago."""
    person = world.person(wa_id)
    row = stakeholder_row(
        int(person.wa_id[-6:]),
        platform="whatsapp",
        platform_user_id=person.wa_id,
        chat_id=person.wa_id,
        language=language,
        category=pack.categories[2].key,
        country="CL",
        subregion="south_america",
        consent_version=pack.privacy.version,
    )
    await add_stakeholders(world.database, [row])
    return person


@pytest.mark.parametrize(
    ("kind", "stored_kind", "filename"),
    [
        ("document", "document", "aporte.pdf"),
        ("voice", "voice", "voice.ogg"),
        ("image", "document", "image.jpg"),
    ],
)
async def test_files_are_fetched_through_the_media_endpoints(
    world: World, pack: Pack, kind: str, stored_kind: str, filename: str
) -> None:
    """A document, a voice note or a photo at the evidence question is downloaded and kept."""
    luis = await seeded(world, pack, "es")
    await luis.command("/consult inclusion")
    while "ask.question.attachment" not in luis.keys:
        await answer_current(luis)  # type: ignore[arg-type]  # a Person is driven like a Dialog
    await luis.attach("aporte.pdf", kind)
    assert "answer.saved" in luis.keys
    async with world.database.transaction() as session:
        attachment = await session.scalar(select(Attachment))
    assert attachment is not None
    assert (attachment.kind, attachment.filename) == (stored_kind, filename)
    media_id = attachment.platform_file_id
    described, downloaded = world.api.media_requests[-2:]
    assert described.startswith("/v") and described.endswith(f"/{media_id}")
    assert downloaded == f"/download/{media_id}"
    assert (
        Path(attachment.stored_path or "").read_bytes() == f"aporte.pdf from {luis.wa_id}".encode()
    )


async def test_repeated_notification_is_answered_once(world: World) -> None:
    """Meta delivering the same notification twice gets one set of replies."""
    ana = world.person("5215511112222")
    await ana.push(fake.text(ana.wa_id, "/start"), times=2)
    [first, second] = next(iter(world.recorder.results.values()))
    assert [r.key for r in first] == ["ask.language"] and second == []
    assert len(world.api.sent_to(ana.wa_id)) == 1


async def test_a_bad_signature_is_refused_and_nothing_processed(world: World) -> None:
    """A POST signed with another secret, or not at all, gets 401 and changes nothing."""
    payload = fake.text("5215533334444", "/start")
    forged = await world.post(payload, secret="not-the-app-secret")
    body, headers = fake.signed(payload)
    unsigned = await world.http.post(
        WEBHOOK_PATH, content=body, headers={"Content-Type": headers["Content-Type"]}
    )
    tampered = await world.http.post(WEBHOOK_PATH, content=body + b" ", headers=headers)
    assert [forged.status_code, unsigned.status_code, tampered.status_code] == [401, 401, 401]
    assert world.recorder.results == {} and world.api.calls == []
    assert await stakeholder(world.database, "5215533334444") is None


async def test_verification_handshake(world: World) -> None:
    """Meta's GET with our verify token gets the challenge back; another token gets 403."""
    query = {
        "hub.mode": "subscribe",
        "hub.challenge": "1158201444",
        "hub.verify_token": VERIFY_TOKEN,
    }
    good = await world.http.get(WEBHOOK_PATH, params=query)
    bad = await world.http.get(WEBHOOK_PATH, params={**query, "hub.verify_token": "guess"})
    assert (good.status_code, good.text) == (200, "1158201444")
    assert bad.status_code == 403


async def test_rapporteur_export_arrives_as_a_document(world: World, pack: Pack) -> None:
    """/export from a RAPPORTEURS=whatsapp:<number> brings the CSV as an uploaded document."""
    rapporteur = await seeded(world, pack, "en", RAPPORTEUR)
    await rapporteur.command("/export csv")
    assert rapporteur.keys == ["export.document"]
    [document] = [call for call in rapporteur.messages if call.type == "document"]
    media = world.api.media[document.payload["document"]["id"]]
    assert (media.filename or "").endswith(".csv") and b"," in media.content


# ---------------------------------------------------------------------------------- outbox

ORGANIZER = "5215500007002"
HEARING = {
    "es": "La audiencia es el 12 de mayo.\nSede: Santiago",
    "en": "The hearing is on 12 May.",
}


@pytest.fixture
async def outbox_world(sqlite_db: Database, pack: Pack, tmp_path: Path) -> AsyncIterator[World]:
    """Spanish has an approved template, English none; one organizer."""
    async with whatsapp_world(
        sqlite_db,
        pack,
        tmp_path,
        whatsapp_templates={"es": "consulta_aviso"},
        organizers=[f"whatsapp:{ORGANIZER}"],
    ) as built:
        yield built


async def whatsapp_stakeholders(
    database: Database, last_messages: list[dt.datetime | None]
) -> list[str]:
    """Registered stakeholders who last wrote at these times; Spanish and English alternate."""
    numbers = [f"5215560{n:06d}" for n in range(len(last_messages))]
    rows = [
        stakeholder_row(
            n,
            platform="whatsapp",
            platform_user_id=number,
            chat_id=number,
            language="es" if n % 2 else "en",
            last_inbound_at=last,
        )
        for n, (number, last) in enumerate(zip(numbers, last_messages, strict=True))
    ]
    await add_stakeholders(database, rows)
    return numbers


async def broadcast(database: Database, pack: Pack) -> int:
    from storage.broadcasts import Audience, create_broadcast

    async with database.transaction() as session:
        queued = await create_broadcast(
            session,
            texts=HEARING,
            audience=Audience(),
            languages=pack.languages,
            default_language=pack.default_language,
            created_by=f"whatsapp:{ORGANIZER}",
            now=START,
        )
    return queued.recipients


def sender(world: World, clock: Any) -> Any:
    from bot.outbox.sender import OutboxSender, SenderPolicy

    policy = SenderPolicy(rate_per_second=1000, batch_size=50)
    world.transport.clock = clock.now  # the 24 hours are counted on the sender's clock
    return OutboxSender(world.database, {"whatsapp": world.transport}, policy, clock=clock)


async def outbox_rows(database: Database) -> dict[str, Any]:
    from storage.models import OutboxMessage

    async with database.transaction() as session:
        rows = (await session.scalars(select(OutboxMessage))).all()
    return {row.chat_id: row for row in rows}


@pytest.mark.slow
async def test_broadcast_to_200_with_templates_outside_24_hours_and_a_rate_limit(
    outbox_world: World, pack: Pack
) -> None:
    """120 in the window get text, 40 Spanish outside it the template, 40 English are counted;
    a 130429 pauses sending for its 5 s and every message goes once."""
    world, api = outbox_world, outbox_world.api
    recent, stale = START - dt.timedelta(hours=2), START - dt.timedelta(hours=30)
    numbers = await whatsapp_stakeholders(
        world.database, [recent] * 120 + [stale] * 60 + [None] * 20
    )
    assert await broadcast(world.database, pack) == 200
    api.fail_next(fake.RATE_LIMIT, after=37)
    clock = FakeClock(START)
    report = await sender(world, clock).drain()

    [limited] = api.refused()
    assert limited.error == fake.RATE_LIMIT and 5.0 in clock.sleeps
    delivered = [call for call in api.calls if call.ok]
    assert len({call.to for call in delivered}) == len(delivered) == 160  # each once
    by_number = {call.to: call for call in delivered}
    assert {by_number[n].type for n in numbers[:120]} == {"text"}
    outside_es = [n for i, n in enumerate(numbers[120:], 120) if i % 2]
    outside_en = [n for i, n in enumerate(numbers[120:], 120) if not i % 2]
    assert {by_number[n].type for n in outside_es} == {"template"}
    assert not any(n in by_number for n in outside_en)
    template = by_number[outside_es[0]].payload["template"]
    assert (template["name"], template["language"]["code"]) == ("consulta_aviso", "es")
    assert by_number[outside_es[0]].text == "La audiencia es el 12 de mayo. · Sede: Santiago"
    assert (report.sent, report.no_template) == (160, 40)
    rows = await outbox_rows(world.database)
    assert {rows[n].status for n in outside_en} == {"no_template"}
    assert {rows[n].status for n in numbers[:120] + outside_es} == {"sent"}
    assert all(rows[n].key == by_number[n].tracker for n in outside_es)

    organizer = await seeded(world, pack, "en", ORGANIZER)
    await organizer.command("/broadcasts")
    assert organizer.keys == ["broadcasts"]
    assert "160 sent" in organizer.text
    assert "(40 not sent: outside WhatsApp's 24 hours, no template in their language)" in (
        organizer.text
    )
    assert "no template" in await stats_output(world.database)


async def stats_output(database: Database) -> str:
    """What `consultbot stats` prints for the broadcasts."""
    from rich.console import Console

    from bot.commands.stats import broadcasts_table
    from bot.core.i18n import translator
    from storage.stats import collect

    async with database.transaction() as session:
        stats = await collect(session)
    console = Console(record=True, width=200)
    console.print(broadcasts_table(stats, translator("en")))
    return console.export_text()


async def test_delivery_reports_are_recorded_against_the_outbox(
    outbox_world: World, pack: Pack
) -> None:
    """Read is kept over a late delivered; 131026 marks unreachable; 131047 resends as template."""
    world, api = outbox_world, outbox_world.api
    recent = START - dt.timedelta(hours=1)
    read, lapsed, blocked = await whatsapp_stakeholders(world.database, [recent] * 3)
    await broadcast(world.database, pack)
    clock = FakeClock(START)
    await sender(world, clock).drain()
    calls = {call.to: call for call in api.calls}
    at = START.timestamp()
    for state in ("delivered", "read"):
        assert (await world.post(fake.status(calls[read], state, at=at))).status_code == 200
    await world.post(fake.status(calls[read], "delivered", at=at))  # late and out of order
    await world.post(fake.status(calls[blocked], "failed", fake.UNDELIVERABLE, at=at))
    await world.post(fake.status(calls[lapsed], "failed", fake.RE_ENGAGEMENT, at=at))

    rows = await outbox_rows(world.database)
    assert (rows[read].status, rows[read].receipt) == ("sent", "read")
    assert rows[blocked].status == "unreachable"
    assert (await stakeholder(world.database, blocked)).unreachable_since is not None  # type: ignore[union-attr]  # found above
    assert rows[lapsed].status == "queued"
    assert (await stakeholder(world.database, lapsed)).last_inbound_at is None  # type: ignore[union-attr]  # found above

    clock.advance(1)
    await sender(world, clock).drain()
    [first, again] = api.sent_to(lapsed)
    assert (first.type, again.type) == ("text", "template")  # lapsed is Spanish: a template
    assert (await outbox_rows(world.database))[lapsed].status == "sent"

    await world.person(blocked).say("hola")  # writing again makes them reachable
    assert (await stakeholder(world.database, blocked)).unreachable_since is None  # type: ignore[union-attr]  # found above


async def test_a_passing_failure_reported_later_is_sent_again(
    outbox_world: World, pack: Pack
) -> None:
    """A `failed` status with a passing cause (131016, service unavailable) queues the message
    again for later, as a refusal at send time would (lasting ones: the test above)."""
    world, api = outbox_world, outbox_world.api
    recent = START - dt.timedelta(hours=1)
    passing, *_ = await whatsapp_stakeholders(world.database, [recent] * 3)
    await broadcast(world.database, pack)
    clock = FakeClock(START)
    await sender(world, clock).drain()
    calls = {call.to: call for call in api.calls}
    report = fake.status(calls[passing], "failed", fake.SERVICE_UNAVAILABLE, at=START.timestamp())
    assert (await world.post(report)).status_code == 200
    row = (await outbox_rows(world.database))[passing]
    assert (row.status, row.receipt) == ("queued", "failed")
    assert row.not_before >= START + dt.timedelta(minutes=5)

    clock.advance(6 * 60)
    await sender(world, clock).drain()
    assert len(api.sent_to(passing)) == 2
    assert (await outbox_rows(world.database))[passing].status == "sent"


async def test_a_notification_not_committed_gets_a_5xx_then_is_answered(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure before the commit answers 503 and sends nothing; Meta's redelivery is answered."""
    import bot.engine.engine

    real = bot.engine.engine.route

    async def failing_once(ctx: Any) -> None:
        monkeypatch.setattr(bot.engine.engine, "route", real)
        raise RuntimeError("database is locked")

    monkeypatch.setattr(bot.engine.engine, "route", failing_once)
    ana = world.person("5215511113333")
    payload = fake.text(ana.wa_id, "/start")
    assert (await world.post(payload)).status_code == 503
    assert world.api.sent_to(ana.wa_id) == []
    assert (await world.post(payload)).status_code == 200
    assert len(world.api.sent_to(ana.wa_id)) == 1


async def test_a_later_message_waits_for_an_earlier_one_not_committed(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two messages of one sender in one notification, the first not committed: the second is
    not handled before it (503, nothing sent); the redelivery handles both, in order."""
    import bot.engine.engine

    real = bot.engine.engine.route
    seen: list[str] = []

    async def failing_once(ctx: Any) -> None:
        seen.append(ctx.inbound.command or ctx.inbound.text)
        if len(seen) == 1:
            raise RuntimeError("database is locked")
        await real(ctx)

    monkeypatch.setattr(bot.engine.engine, "route", failing_once)
    ana = world.person("5215511114444")
    payload = fake.text(ana.wa_id, "/start")
    second = fake.text(ana.wa_id, "/help")
    payload["entry"][0]["changes"][0]["value"]["messages"].append(
        second["entry"][0]["changes"][0]["value"]["messages"][0]
    )
    assert (await world.post(payload)).status_code == 503
    assert seen == ["start"] and world.api.sent_to(ana.wa_id) == []
    assert (await world.post(payload)).status_code == 200
    assert seen == ["start", "start", "help"]
