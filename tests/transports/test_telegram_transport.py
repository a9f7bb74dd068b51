"""TelegramTransport on the real PTB Bot against the loopback fake Bot API.

The dispatch here is a stand-in that records what it gets and echoes; the engine's own
end-to-end dialogs are in test_telegram_e2e.py.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import httpx
import pytest

from bot.core.attachments import AttachmentStore
from bot.core.delivery import PermanentFailure, RateLimited, TransientFailure, Unreachable
from bot.core.messages import TOO_LARGE, Address, Choice, Inbound, InboundKind, Reply
from bot.core.settings import Settings
from bot.transports.base import Startup
from bot.transports.telegram.mapping import ALLOWED_UPDATES
from bot.transports.telegram.menus import publish_commands
from bot.transports.telegram.transport import TelegramTransport, admin_chats, api_urls
from bot.web import build_web_app
from tests.fakes import telegram_api as fake
from tests.fakes.receivers import DispatchReceiver, running, serve
from tests.fakes.telegram_api import FakeTelegram, serve_asgi

SECRET = "s3cret-token_for-tests"


class Echo:
    """A dispatch that records every Inbound and answers with one reply of its own choosing."""

    def __init__(self) -> None:
        self.seen: list[Inbound] = []

    async def __call__(self, inbound: Inbound) -> list[Reply]:
        self.seen.append(inbound)
        if inbound.kind == InboundKind.COMMAND and inbound.command == "menu":
            choices = (Choice("Español", "lang:es"), Choice("English", "lang:en"))
            return [Reply(text="Elige", choices=choices, columns=2, key="menu")]
        if inbound.kind == InboundKind.COMMAND and inbound.command == "long":
            return [Reply(text="Una frase larga del informe. " * 400, key="long")]
        if inbound.kind == InboundKind.TEXT and inbound.text == "boom":
            raise RuntimeError("engine bug")
        return [Reply(text=f"{inbound.kind}:{inbound.command or inbound.choice or inbound.text}")]


@pytest.fixture
def api() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


def telegram_settings(api: FakeTelegram, **extra: object) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]  # pydantic-settings' init-only option
        telegram_bot_token=api.token,
        telegram_api_base_url=api.base_url,
        telegram_api_file_url=api.base_file_url,
        **extra,
    )


@pytest.fixture
def transport(api: FakeTelegram, tmp_path: Path) -> TelegramTransport:
    return TelegramTransport(
        telegram_settings(api), AttachmentStore(tmp_path / "files"), poll_timeout=1
    )


def polling(transport: TelegramTransport, dispatch: Echo) -> AbstractAsyncContextManager[object]:
    return running(transport, dispatch)


async def test_polling_answers_a_command(api: FakeTelegram, transport: TelegramTransport) -> None:
    """/start in a private chat reaches dispatch as COMMAND and its reply reaches the chat."""
    echo = Echo()
    api.push_update(fake.text_update(501, "/Start@consult_test_bot hola"))
    async with polling(transport, echo):
        await api.wait_for(lambda: api.sent_to(501))
    [inbound] = echo.seen
    assert (inbound.platform, inbound.user_id, inbound.chat_id) == ("telegram", "501", "501")
    assert (inbound.command, inbound.args, inbound.locale_hint) == ("start", "hola", "es")
    assert api.texts_to(501) == ["command:start"]
    methods = [call.method for call in api.calls]
    assert methods.index("getMe") < methods.index("deleteWebhook") < methods.index("getUpdates")


async def test_base_urls_point_at_the_local_server(api: FakeTelegram, tmp_path: Path) -> None:
    """A bare TELEGRAM_API_BASE_URL (self-hosted server) works; the file URL follows it."""
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]  # pydantic-settings' init-only option
        telegram_bot_token=api.token,
        telegram_api_base_url=api.url,
    )
    assert api_urls(settings) == (api.base_url, api.base_file_url)
    transport = TelegramTransport(settings, AttachmentStore(tmp_path))
    await transport.send(Address("telegram", "42"), Reply(text="hola"))
    await transport.stop()
    assert api.texts_to(42) == ["hola"]


async def test_callback_is_answered_and_dispatched(
    api: FakeTelegram, transport: TelegramTransport
) -> None:
    """A tap stops the spinner (answerCallbackQuery) and arrives as CHOICE with its label."""
    echo = Echo()
    update = api.push_update(fake.callback_update(502, "lang:en", label="English"))
    async with polling(transport, echo):
        await api.wait_for(lambda: api.sent_to(502))
    [answer] = api.calls_to("answerCallbackQuery")
    assert answer.params["callback_query_id"] == update["callback_query"]["id"]
    assert (echo.seen[0].kind, echo.seen[0].choice, echo.seen[0].text) == (
        InboundKind.CHOICE,
        "lang:en",
        "English",
    )


async def test_stale_callback_still_dispatched(
    api: FakeTelegram, transport: TelegramTransport
) -> None:
    """A callback Telegram no longer lets us answer is still the user's choice."""
    echo = Echo()
    api.fail_next("answerCallbackQuery", fake.QUERY_TOO_OLD)
    api.push_update(fake.callback_update(503, "lang:es"))
    async with polling(transport, echo):
        await api.wait_for(lambda: api.sent_to(503))
    assert echo.seen[0].choice == "lang:es"


async def test_document_is_fetched_into_the_store(
    api: FakeTelegram, transport: TelegramTransport, tmp_path: Path
) -> None:
    """getFile then the download: the engine gets the stored path of the same bytes."""
    echo = Echo()
    content = b"%PDF-1.4 aportes de la red"
    file_id = api.add_file(content, "documents/file_7.pdf")
    api.push_update(fake.document_update(504, file_id, "aportes.pdf", len(content)))
    async with polling(transport, echo):
        await api.wait_for(lambda: api.sent_to(504))
    ref = echo.seen[0].attachment
    assert ref is not None and ref.stored_path is not None
    assert Path(ref.stored_path).read_bytes() == content
    assert Path(ref.stored_path).is_relative_to(tmp_path / "files" / "telegram")
    assert api.calls_to("getFile")[0].params["file_id"] == file_id


async def test_voice_note_is_fetched(api: FakeTelegram, transport: TelegramTransport) -> None:
    """A voice note is stored like a document, under an .ogg name."""
    echo = Echo()
    file_id = api.add_file(b"OggS voice", "voice/file_8.oga")
    api.push_update(fake.voice_update(505, file_id, 10))
    async with polling(transport, echo):
        await api.wait_for(lambda: api.sent_to(505))
    ref = echo.seen[0].attachment
    assert ref is not None and ref.kind == "voice"
    assert ref.stored_path is not None and ref.stored_path.endswith("voice.ogg")


async def test_unfetchable_file_reaches_engine_unstored(
    api: FakeTelegram, transport: TelegramTransport
) -> None:
    """When getFile fails the engine still hears of the file, with no stored path."""
    echo = Echo()
    api.push_update(fake.document_update(506, "BQACgone000001", "x.pdf", 10))
    async with polling(transport, echo):
        await api.wait_for(lambda: api.sent_to(506))
    assert echo.seen[0].attachment is not None
    assert echo.seen[0].attachment.stored_path is None


async def test_a_file_over_getfiles_limit_is_not_fetched(
    api: FakeTelegram, transport: TelegramTransport
) -> None:
    """A document over 20 MB: no getFile (Telegram would refuse it); the engine hears "too
    large", with nothing stored."""
    echo = Echo()
    api.push_update(fake.document_update(517, "BQACbig000001", "big.pdf", 21 * 1024 * 1024))
    async with polling(transport, echo):
        await api.wait_for(lambda: api.sent_to(517))
    [seen] = echo.seen
    assert seen.attachment is not None and seen.attachment.stored_path is None
    assert seen.attachment.problem == TOO_LARGE
    assert not api.calls_to("getFile")


async def test_long_reply_and_keyboard(api: FakeTelegram, transport: TelegramTransport) -> None:
    """A reply over 4,096 characters arrives in parts Telegram accepts; buttons as a keyboard."""
    echo = Echo()
    api.push_update(fake.text_update(507, "/long"))
    api.push_update(fake.text_update(507, "/menu"))
    async with polling(transport, echo):
        await api.wait_for(lambda: len(api.sent_to(507)) >= 4)
    sent = api.sent_to(507)
    assert [len(c.params["text"]) <= 4096 for c in sent] == [True] * 4
    assert not api.calls_to("sendMessage", ok=False)
    keyboard = sent[-1].params["reply_markup"]["inline_keyboard"]
    assert [[b["callback_data"] for b in row] for row in keyboard] == [["lang:es", "lang:en"]]


async def test_engine_error_does_not_stop_polling(
    api: FakeTelegram, transport: TelegramTransport
) -> None:
    """An exception in dispatch is logged; the next update is still handled."""
    echo = Echo()
    api.push_update(fake.text_update(508, "boom"))
    api.push_update(fake.text_update(508, "después"))
    async with polling(transport, echo):
        await api.wait_for(lambda: api.sent_to(508))
    assert api.texts_to(508) == ["text:después"]


async def test_group_membership_and_edits_map(
    api: FakeTelegram, transport: TelegramTransport
) -> None:
    """Group text is GROUP to the group; blocking is BLOCKED; an edit is EDIT."""
    echo = Echo()
    api.push_update(fake.group_update(-1001, 509, "hola"))
    api.push_update(fake.membership_update(510, "member", "kicked"))
    api.push_update(fake.edited_update(511, 77, "nuevo texto"))
    async with polling(transport, echo):
        await api.wait_for(lambda: len(echo.seen) == 3 and api.sent_to(511))
    assert [(i.kind, i.chat_id) for i in echo.seen] == [
        (InboundKind.GROUP, "-1001"),
        (InboundKind.BLOCKED, "510"),
        (InboundKind.EDIT, "511"),
    ]
    assert api.texts_to(-1001) == ["group:hola"]


async def test_unfinished_batch_is_read_again_after_a_restart(
    api: FakeTelegram, tmp_path: Path
) -> None:
    """Killed mid-update, the next process gets the update again (the engine dedupes it)."""
    started, never = asyncio.Event(), asyncio.Event()

    async def stuck(inbound: Inbound) -> list[Reply]:
        started.set()
        await never.wait()
        return []

    update = api.push_update(fake.text_update(512, "respuesta"))
    first = TelegramTransport(telegram_settings(api), AttachmentStore(tmp_path), poll_timeout=1)
    task = asyncio.create_task(serve(first, DispatchReceiver(stuck)))
    await asyncio.wait_for(started.wait(), 5)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    echo = Echo()
    second = TelegramTransport(telegram_settings(api), AttachmentStore(tmp_path), poll_timeout=1)
    async with polling(second, echo):
        await api.wait_for(lambda: api.sent_to(512))
    assert [i.update_id for i in echo.seen] == [str(update["update_id"])]


async def test_handled_batch_is_confirmed_by_the_next_poll(
    api: FakeTelegram, transport: TelegramTransport
) -> None:
    """Once handled, a batch is confirmed (offset = last id + 1) and never fetched again."""
    update = api.push_update(fake.text_update(513, "una vez"))
    confirm = str(update["update_id"] + 1)
    async with polling(transport, Echo()):
        await api.wait_for(
            lambda: any(c.params.get("offset") == confirm for c in api.calls_to("getUpdates"))
        )
    assert api.pending_updates == 0 and len(api.sent_to(513)) == 1


# ------------------------------------------------------------------------- send (outbox)


async def send(transport: TelegramTransport, chat: int, reply: Reply) -> None:
    await transport.send(Address("telegram", str(chat)), reply)


async def test_send_maps_errors(api: FakeTelegram, transport: TelegramTransport) -> None:
    """429 -> RateLimited(retry_after), 403 -> Unreachable, 400 -> Permanent, 5xx -> Transient."""
    api.fail_next("sendMessage", fake.too_many_requests(9))
    with pytest.raises(RateLimited) as limited:
        await send(transport, 600, Reply(text="hola"))
    assert limited.value.retry_after == 9
    api.fail_chat(601)
    with pytest.raises(Unreachable):
        await send(transport, 601, Reply(text="hola"))
    api.fail_next("sendMessage", fake.CHAT_NOT_FOUND)
    with pytest.raises(PermanentFailure):
        await send(transport, 602, Reply(text="hola"))
    api.fail_next("sendMessage", fake.BAD_GATEWAY)
    with pytest.raises(TransientFailure):
        await send(transport, 603, Reply(text="hola"))
    await send(transport, 604, Reply(text="hola"))
    await transport.stop()
    assert api.texts_to(604) == ["hola"]


async def test_fake_enforces_telegram_limits(api: FakeTelegram, transport: TelegramTransport):
    """The fake refuses what Telegram refuses: text over 4,096, callback data over 64 bytes."""
    await transport.connect()
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup
    from telegram.error import BadRequest

    with pytest.raises(BadRequest, match="too long"):
        await transport.bot.send_message(chat_id=700, text="x" * 4097)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="d" * 65)]])
    # PTB re-cases the description to "Button_data_invalid" (22.8, 2026-11).
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await transport.bot.send_message(chat_id=700, text="x", reply_markup=markup)
    await transport.stop()


async def test_rate_limit_mid_reply_is_waited_out(
    api: FakeTelegram, transport: TelegramTransport
) -> None:
    """A 429 on the second part of a long reply waits instead of resending the first part."""
    long = Reply(text="Una frase larga del informe. " * 200)  # two parts
    sends = len(api.calls_to("sendMessage"))
    await transport.connect()
    original = api._injected_failure
    count = 0

    def second_part_limited(method: str, params: dict) -> fake.ApiError | None:
        nonlocal count
        if method == "sendMessage":
            count += 1
            if count == 2:
                return fake.too_many_requests(1)
        return original(method, params)

    api._injected_failure = second_part_limited  # type: ignore[method-assign]  # a fault injected
    await send(transport, 605, long)
    await transport.stop()
    assert len(api.sent_to(605)) == 2
    assert len(api.calls_to("sendMessage")) == sends + 3


async def test_send_document(api: FakeTelegram, transport: TelegramTransport) -> None:
    """A Reply with a document arrives as sendDocument with its bytes, name and caption."""
    from bot.core.messages import Document

    reply = Reply(text="Aportes", document=Document("aportes.csv", b"a,b\n1,2\n", "text/csv"))
    await send(transport, 606, reply)
    await transport.stop()
    [call] = api.sent_to(606)
    assert call.method == "sendDocument" and call.params["caption"] == "Aportes"
    assert call.files["document"].content == b"a,b\n1,2\n"
    assert call.files["document"].filename == "aportes.csv"


# ------------------------------------------------------------------------- webhook


@contextlib.asynccontextmanager
async def webhook_server(
    api: FakeTelegram, tmp_path: Path, dispatch: Echo
) -> AsyncIterator[tuple[TelegramTransport, str]]:
    """Our one ASGI app on loopback, with Telegram's webhook route, registered with the fake."""
    from bot.transports.telegram.transport import WEBHOOK_PATH

    holder: dict[str, TelegramTransport] = {}
    app = build_web_app([])
    async with serve_asgi(app) as url:
        settings = telegram_settings(
            api, telegram_webhook_url=url + WEBHOOK_PATH, telegram_webhook_secret=SECRET
        )
        transport = TelegramTransport(settings, AttachmentStore(tmp_path))
        receiver = DispatchReceiver(dispatch)
        app.router.routes.extend(transport.routes(receiver))
        holder["t"] = transport
        await transport.start(Startup(receiver))
        try:
            yield transport, url
        finally:
            await transport.stop()


async def test_webhook_mode_serves_updates(api: FakeTelegram, tmp_path: Path) -> None:
    """setWebhook carries URL and secret; Telegram's POSTs are handled and answered."""
    echo = Echo()
    async with webhook_server(api, tmp_path, echo):
        assert api.webhook is not None and api.webhook["secret_token"] == SECRET
        assert api.webhook["url"].endswith("/telegram/webhook")
        api.push_update(fake.text_update(800, "/help"))
        await api.wait_for(lambda: api.sent_to(800))
    assert api.texts_to(800) == ["command:help"]
    assert [status for _id, status in api.webhook_deliveries] == [200]


@pytest.mark.parametrize("headers", [{}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}])
async def test_webhook_refuses_wrong_secret(
    api: FakeTelegram, tmp_path: Path, headers: dict[str, str]
) -> None:
    """Without the right secret token: 403 and nothing reaches the engine."""
    echo = Echo()
    async with webhook_server(api, tmp_path, echo) as (_transport, url):
        update = {"update_id": 1, **fake.text_update(801, "/start")}
        async with httpx.AsyncClient() as client:
            response = await client.post(url + "/telegram/webhook", json=update, headers=headers)
    assert response.status_code == 403
    assert echo.seen == [] and api.sent_to(801) == []


async def test_webhook_tolerates_garbage(api: FakeTelegram, tmp_path: Path) -> None:
    """A body that is not an Update is dropped with 200, so Telegram does not resend it."""
    echo = Echo()
    async with webhook_server(api, tmp_path, echo) as (_transport, url):
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        async with httpx.AsyncClient() as client:
            bad_json = await client.post(url + "/telegram/webhook", content=b"{", headers=headers)
            not_update = await client.post(
                url + "/telegram/webhook", json={"hello": 1}, headers=headers
            )
    assert (bad_json.status_code, not_update.status_code) == (400, 200)
    assert echo.seen == []


# ------------------------------------------------------------------------- command menus


async def test_publish_commands(api: FakeTelegram, tmp_path: Path) -> None:
    """Everyone's menu per language; organizers and rapporteurs get theirs in their chat."""
    settings = telegram_settings(
        api, organizers=["telegram:900", "slack:U1"], rapporteurs=["telegram:901"]
    )
    transport = TelegramTransport(settings, AttachmentStore(tmp_path))
    chats = admin_chats(settings)
    assert chats == {"900": {"organizer"}, "901": {"rapporteur"}}
    stored = [("telegram", "901", "organizer"), ("slack", "U2", "rapporteur")]
    assert admin_chats(settings, stored) == {
        "900": {"organizer"},
        "901": {"rapporteur", "organizer"},
    }
    await transport.connect()
    await publish_commands(transport.bot, chats, hidden=("dashboard",))  # no DASHBOARD_URL
    await transport.stop()
    calls = api.calls_to("setMyCommands")
    menus = {
        ((c.params.get("scope") or {}).get("chat_id"), c.params.get("language_code")): [
            command["command"] for command in c.params["commands"]
        ]
        for c in calls
    }
    everyone = ["start", "help", "consult", "answers", "roadmap", "language", "profile"]
    everyone += ["reminders", "mydata", "forget", "cancel"]
    assert menus[(None, "es")] == menus[(None, "en")] == menus[(None, None)] == everyone
    assert menus[(900, "es")] == [*everyone, "broadcast", "broadcasts", "stats"]
    assert menus[(901, "en")] == [*everyone, "export", "stats"]
    assert len(calls) == 9
    assert all(c.params["scope"]["type"] == "chat" for c in calls if c.params.get("scope"))


def test_command_menus_are_valid_for_telegram() -> None:
    """Names are 1-32 of a-z0-9_ and descriptions 1-256 characters, in every language."""
    import re

    from bot.transports.telegram.menus import command_list

    for language in ("es", "en"):
        for command in command_list(language, {"organizer", "rapporteur"}):
            assert re.fullmatch(r"[a-z0-9_]{1,32}", command.command)
            assert 1 <= len(command.description) <= 256


async def test_run_in_webhook_mode_keeps_the_webhook(api: FakeTelegram, tmp_path: Path) -> None:
    """start/serve with TELEGRAM_WEBHOOK_URL register the webhook; never poll or delete it."""
    settings = telegram_settings(
        api, telegram_webhook_url="https://bot.example.org/tg", telegram_webhook_secret=SECRET
    )
    transport = TelegramTransport(settings, AttachmentStore(tmp_path))
    async with polling(transport, Echo()):
        await api.wait_for(lambda: api.webhook is not None)
        await asyncio.sleep(0.1)
    assert api.webhook == {
        "url": "https://bot.example.org/tg",
        "secret_token": SECRET,
        "allowed_updates": list(ALLOWED_UPDATES),
    }
    assert not api.calls_to("deleteWebhook") and not api.calls_to("getUpdates")


async def test_polling_outlasts_telegram_outages(
    api: FakeTelegram, transport: TelegramTransport
) -> None:
    """502s at start and while polling become retries, not a dead transport."""
    echo = Echo()
    transport.retry_delay = 0.05
    api.fail_next("getMe", fake.BAD_GATEWAY)
    api.fail_next("getUpdates", fake.BAD_GATEWAY)
    api.push_update(fake.text_update(514, "hola"))
    async with polling(transport, echo):
        await api.wait_for(lambda: api.sent_to(514), timeout=10)
    assert len(api.calls_to("getMe", ok=False)) == len(api.calls_to("getUpdates", ok=False)) == 1


async def test_polling_start_does_not_wait_for_an_unreachable_telegram(
    api: FakeTelegram, transport: TelegramTransport
) -> None:
    """While getMe fails, start() returns at once: the health checks and the other platforms
    come up; `serve` keeps retrying and polls once Telegram answers."""
    transport.retry_delay = 0.05
    api.fail_next("getMe", fake.BAD_GATEWAY, times=5)
    echo = Echo()
    await asyncio.wait_for(transport.start(Startup(DispatchReceiver(echo))), timeout=1)
    assert not api.calls_to("getMe")  # nothing tried yet: serve does the waiting
    api.push_update(fake.text_update(515, "hola"))
    serving = asyncio.create_task(transport.serve())
    try:
        await api.wait_for(lambda: api.sent_to(515), timeout=15)
    finally:
        serving.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await serving
        await transport.stop()
    assert len(api.calls_to("getMe", ok=False)) == 5


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        ("RetryAfter", RateLimited),
        ("Forbidden", Unreachable),
        ("BadRequest", PermanentFailure),
        ("ChatMigrated", PermanentFailure),
        ("TimedOut", TransientFailure),
        ("NetworkError", TransientFailure),
    ],
)
def test_delivery_error_mapping(error: str, outcome: type[Exception]) -> None:
    """Each PTB error becomes the outbox outcome the sender acts on."""
    import telegram.error as tg

    from bot.transports.telegram.transport import delivery_error

    arguments = {"RetryAfter": (3,), "ChatMigrated": (-100,), "TimedOut": ()}.get(error, ("x",))
    mapped = delivery_error(getattr(tg, error)(*arguments))
    assert type(mapped) is outcome
    if isinstance(mapped, RateLimited):
        assert mapped.retry_after == 3


async def test_parallel_chats_keep_each_chats_order(api: FakeTelegram, tmp_path: Path) -> None:
    """With concurrency, chats overlap but each chat's updates are handled in arrival order."""
    transport = TelegramTransport(
        telegram_settings(api), AttachmentStore(tmp_path), poll_timeout=1, concurrency=3
    )
    seen: list[tuple[str, str]] = []
    running, most = 0, 0

    async def slow(inbound: Inbound) -> list[Reply]:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.05)
        seen.append((inbound.chat_id, inbound.text))
        running -= 1
        return [Reply(text="ok")]

    for n in range(4):
        for chat in (901, 902, 903):
            api.push_update(fake.text_update(chat, f"m{n}"))
    task = asyncio.create_task(serve(transport, DispatchReceiver(slow)))
    try:
        await api.wait_for(lambda: len(seen) == 12)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert most == 3
    for chat in ("901", "902", "903"):
        assert [text for c, text in seen if c == chat] == ["m0", "m1", "m2", "m3"]


def test_dashboard_is_in_admin_menus_only_where_the_server_offers_it() -> None:
    """/dashboard shows in organizers' menus with DASHBOARD_URL, and nowhere without it."""
    from bot.transports.telegram.menus import command_list

    offered = [c.command for c in command_list("es", {"organizer"})]
    hidden = [c.command for c in command_list("es", {"organizer"}, hidden=("dashboard",))]
    assert offered[-1] == "dashboard" and "dashboard" not in hidden
    assert "dashboard" not in [c.command for c in command_list("es")]
