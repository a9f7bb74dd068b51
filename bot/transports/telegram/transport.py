"""Telegram on python-telegram-bot 22: long polling or a webhook in, Bot API calls out.

The PTB `Application` routes every update to one `TypeHandler`; there is no ConversationHandler
and no persistence, because conversation state lives in our database (DESIGN.md).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import logging
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import Bot, BotCommandScopeChat, Update
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler
from telegram.warnings import PTBDeprecationWarning

from bot.core.attachments import AttachmentStore
from bot.core.delivery import PermanentFailure, RateLimited, TransientFailure, Unreachable
from bot.core.messages import Address, Inbound, InboundKind, Reply
from bot.core.settings import Settings
from bot.transports.base import Dispatch
from bot.transports.telegram.mapping import ALLOWED_UPDATES, render, to_inbound, with_stored_path
from bot.transports.telegram.menus import COMMAND_LANGUAGES, admin_chats, command_list

log = logging.getLogger(__name__)
__all__ = ["TelegramTransport", "admin_chats", "api_urls", "delivery_error"]

PLATFORM = "telegram"
WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DOWNLOAD_LIMIT = 20 * 1024 * 1024  # getFile serves files up to 20 MB on Telegram's cloud API
MAX_INLINE_WAIT = 60.0  # longest retry_after an interactive reply waits out instead of dropping


def api_urls(settings: Settings) -> tuple[str | None, str | None]:
    """PTB's base URLs ('…/bot', '…/file/bot') from the settings, accepting a bare server URL."""
    base = settings.telegram_api_base_url
    files = settings.telegram_api_file_url
    base_url = _with_suffix(base, "/bot") if base else None
    if files:
        return base_url, _with_suffix(files, "/file/bot")
    if base:
        server = base.rstrip("/").removesuffix("/bot")
        return base_url, f"{server}/file/bot"
    return None, None


def _with_suffix(url: str, suffix: str) -> str:
    url = url.rstrip("/")
    return url if url.endswith(suffix) else url + suffix


def retry_seconds(error: RetryAfter) -> float:
    """retry_after as seconds, whether PTB gives an int or (from v23) a timedelta."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


def delivery_error(error: TelegramError) -> Exception:
    """Telegram's refusal in the outbox's terms (bot.core.delivery)."""
    if isinstance(error, RetryAfter):
        return RateLimited(retry_seconds(error), str(error))
    if isinstance(error, Forbidden):  # 403: blocked, deactivated, kicked
        return Unreachable(str(error))
    if isinstance(error, BadRequest):  # a subclass of NetworkError, so tested first
        return PermanentFailure(str(error))
    if isinstance(error, ChatMigrated | InvalidToken | Conflict):
        return PermanentFailure(str(error))
    return TransientFailure(str(error))  # NetworkError: timeouts, dropped connections, 5xx


class TelegramTransport:
    """Telegram as the engine and the outbox see it (bot.transports.base.Transport).

    Polling is a `bot.get_updates` loop, not PTB's Updater: the Updater acknowledges a batch
    (by asking for the next offset) as soon as it is queued, so a crash loses updates fetched but
    not yet handled. Here a batch is acknowledged only after every update in it was dispatched;
    a restart at any moment re-reads the unfinished batch and the engine drops what it has seen.
    """

    platform = PLATFORM
    retry_delay = 1.0  # seconds before retrying an unreachable Bot API (tests shorten it)

    def __init__(
        self,
        settings: Settings,
        attachments: AttachmentStore,
        *,
        poll_timeout: int = 30,
        concurrency: int | None = None,
    ) -> None:
        if not settings.telegram_bot_token:
            raise ValueError("TelegramTransport needs TELEGRAM_BOT_TOKEN")
        self.settings = settings
        self.attachments = attachments
        self.poll_timeout = poll_timeout
        self.concurrency = max(1, concurrency or _default_concurrency(settings))
        self.application = self._build_application(settings)
        self.application.add_handler(TypeHandler(Update, self._on_update))
        self.application.add_error_handler(self._on_error)
        self._dispatch: Dispatch | None = None
        self._ready = asyncio.Lock()
        self._started = False

    @staticmethod
    def _build_application(settings: Settings) -> Application:  # type: ignore[type-arg]
        builder: ApplicationBuilder = Application.builder()  # type: ignore[type-arg]
        builder = builder.token(settings.telegram_bot_token or "").updater(None)
        base_url, base_file_url = api_urls(settings)
        if base_url:
            builder = builder.base_url(base_url)
        if base_file_url:
            builder = builder.base_file_url(base_file_url)
        return builder.build()

    @property
    def bot(self) -> Bot:
        return self.application.bot

    async def start(self) -> None:
        """Initialise PTB (one getMe) once, whichever of run, webhook or send comes first."""
        async with self._ready:
            if not self._started:
                await self.application.initialize()
                self._started = True

    async def close(self) -> None:
        """Release PTB's HTTP connections."""
        async with self._ready:
            if self._started:
                self._started = False
                await self.application.shutdown()

    # ------------------------------------------------------------------ receiving

    async def run(self, dispatch: Dispatch) -> None:
        """Long-poll until cancelled; each batch is acknowledged once it is handled.

        With TELEGRAM_WEBHOOK_URL set, updates come through `webhook_routes` instead, and this
        only registers the webhook and waits, so calling it in either mode is safe.
        """
        self._dispatch = dispatch
        if self.settings.telegram_webhook_url:
            await self._hold_webhook()
            return
        await self._prepare_polling()
        offset: int | None = None
        try:
            while True:
                updates = await self._fetch(offset)
                if updates:
                    await self._handle_batch(updates)
                    offset = updates[-1].update_id + 1
        finally:
            await self.close()

    async def _prepare_polling(self) -> None:
        """getMe and deleteWebhook, retried while Telegram is unreachable; a bad token raises."""
        delay = self.retry_delay
        while True:
            try:
                await self.start()
                await self.bot.delete_webhook(drop_pending_updates=False)
                return
            except (NetworkError, RetryAfter) as error:
                if isinstance(error, BadRequest):
                    raise
                log.warning("Telegram unreachable at start (%s); retrying in %.0fs", error, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 60.0)

    async def _hold_webhook(self) -> None:
        await self.set_webhook()
        try:
            await asyncio.Event().wait()
        finally:
            await self.close()

    async def _fetch(self, offset: int | None) -> Sequence[Update]:
        """One long poll; network trouble and flood control become a pause, not a crash."""
        try:
            return await self.bot.get_updates(
                offset=offset,
                timeout=self.poll_timeout,
                allowed_updates=list(ALLOWED_UPDATES),
                read_timeout=self.poll_timeout + 10,
            )
        except RetryAfter as error:
            await asyncio.sleep(retry_seconds(error))
        except Conflict:
            log.warning("getUpdates conflicts with a webhook or another poller; retrying")
            await asyncio.sleep(5 * self.retry_delay)
        except InvalidToken:
            raise
        except TelegramError as error:
            log.warning("getUpdates failed: %s; retrying", error)
            await asyncio.sleep(self.retry_delay)
        return ()

    async def _handle_batch(self, updates: Sequence[Update]) -> None:
        """Chats in parallel (up to `concurrency`), each chat's updates in order."""
        by_chat: dict[int | None, list[Update]] = {}
        for update in updates:
            chat = update.effective_chat
            by_chat.setdefault(chat.id if chat else None, []).append(update)
        limit = asyncio.Semaphore(self.concurrency)

        async def one_chat(chat_updates: list[Update]) -> None:
            async with limit:
                for update in chat_updates:
                    await self.application.process_update(update)

        await asyncio.gather(*(one_chat(group) for group in by_chat.values()))

    def webhook_routes(self, dispatch: Dispatch) -> list[Route]:
        """POST /telegram/webhook for the shared ASGI app (bot.web.build_web_app)."""
        self._dispatch = dispatch
        return [Route(WEBHOOK_PATH, self._webhook, methods=["POST"])]

    async def set_webhook(self) -> None:
        """Point Telegram at TELEGRAM_WEBHOOK_URL with our secret token."""
        await self.start()
        await self.bot.set_webhook(
            url=self.settings.telegram_webhook_url or "",
            secret_token=self.settings.telegram_webhook_secret,
            allowed_updates=list(ALLOWED_UPDATES),
        )

    async def _webhook(self, request: Request) -> Response:
        """Handle the update before answering 200, so Telegram redelivers it if we die first."""
        if not self._secret_matches(request.headers.get(SECRET_HEADER)):
            return Response(status_code=403)
        try:
            payload = await request.json()
        except ValueError:
            return Response(status_code=400)
        await self.start()
        try:
            update = Update.de_json(payload, self.bot)
        except (TypeError, KeyError, ValueError, AttributeError):
            log.warning("webhook body is not an Update: %.200r", payload)
            return Response(status_code=200)  # a non-2xx would make Telegram resend it forever
        await self.application.process_update(update)
        return Response(status_code=200)

    def _secret_matches(self, given: str | None) -> bool:
        expected = self.settings.telegram_webhook_secret
        if not expected or given is None:
            return False
        return hmac.compare_digest(given.encode(), expected.encode())

    async def _on_update(self, update: object, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """The one PTB handler: answer a callback, map, fetch a file, dispatch, reply."""
        if not isinstance(update, Update):
            return
        if update.callback_query is not None:
            await self._answer_callback(update)
        inbound = to_inbound(update)
        if inbound is None or self._dispatch is None:
            return
        try:
            inbound = await self._fetch_attachment(inbound)
            replies = await self._dispatch(inbound)
        except Exception:
            log.exception("update %s failed in the engine", inbound.update_id)
            return
        await self._reply_all(inbound, replies)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        update_id = update.update_id if isinstance(update, Update) else None
        log.error("update %s failed", update_id, exc_info=context.error)

    async def _answer_callback(self, update: Update) -> None:
        """Stop the button's spinner; a stale query (over ~15 s old) cannot be answered."""
        query = update.callback_query
        assert query is not None
        try:
            await query.answer()
        except TelegramError as error:
            log.info("callback of update %s not answered: %s", update.update_id, error)

    async def _fetch_attachment(self, inbound: Inbound) -> Inbound:
        """Copy a document or voice note into the attachment store before the engine sees it."""
        ref = inbound.attachment
        if inbound.kind != InboundKind.ATTACHMENT or ref is None:
            return inbound
        if ref.size is not None and ref.size > DOWNLOAD_LIMIT:
            log.info(
                "update %s: file of %s bytes is over getFile's limit", inbound.update_id, ref.size
            )
            return inbound
        try:
            path = await self._download(
                ref.platform_file_id, ref.filename or _default_name(ref.kind)
            )
        except TelegramError as error:
            log.warning("update %s: getFile failed: %s", inbound.update_id, error)
            return inbound
        return with_stored_path(inbound, str(path))

    async def _download(self, file_id: str, filename: str) -> Path:
        telegram_file = await self.bot.get_file(file_id)
        content = await telegram_file.download_as_bytearray()
        key = telegram_file.file_unique_id or file_id  # stable across bots and redeliveries
        return self.attachments.save(PLATFORM, key, filename, bytes(content))

    async def _reply_all(self, inbound: Inbound, replies: Sequence[Reply]) -> None:
        """Send the engine's replies in order; a refused one is logged, never retried forever."""
        for reply in replies:
            try:
                await self._deliver(inbound.chat_id, reply, wait_limit=MAX_INLINE_WAIT)
            except TelegramError as error:
                log.warning("reply %r to update %s failed: %s", reply.key, inbound.update_id, error)
                if isinstance(error, Forbidden):
                    return

    # ------------------------------------------------------------------ sending

    async def send(self, address: Address, reply: Reply) -> None:
        """Deliver one outbox message, raising bot.core.delivery errors the sender acts on."""
        await self.start()
        try:
            await self._deliver(address.chat_id, reply, wait_limit=0)
        except TelegramError as error:
            raise delivery_error(error) from error

    async def _deliver(self, chat_id: str, reply: Reply, *, wait_limit: float) -> None:
        """Send every Bot API call of a reply; flood control within it is waited out.

        Once a part of a long reply is out, re-raising a 429 would make the outbox resend the
        parts already delivered, so later parts wait (up to 60 s) instead.
        """
        for index, call in enumerate(render(reply)):
            limit = wait_limit if index == 0 else max(wait_limit, MAX_INLINE_WAIT)
            await self._call_with_wait(chat_id, call, limit)

    async def _call_with_wait(self, chat_id: str, call: Mapping[str, Any], limit: float) -> None:
        try:
            await self._call(chat_id, call)
        except RetryAfter as error:
            seconds = retry_seconds(error)
            if seconds > limit:
                raise
            await asyncio.sleep(seconds)
            await self._call(chat_id, call)

    async def _call(self, chat_id: str, call: Mapping[str, Any]) -> None:
        kwargs = {key: value for key, value in call.items() if key != "method"}
        method = getattr(self.bot, call["method"])
        await method(chat_id=int(chat_id), **kwargs)

    # ------------------------------------------------------------------ command menus

    async def publish_commands(
        self,
        admin_chats: Mapping[str, set[str]],
        languages: Sequence[str] = COMMAND_LANGUAGES,
    ) -> None:
        """setMyCommands for everyone per language, and per organizer's or rapporteur's chat.

        `admin_chats` maps a chat id to its roles ("organizer", "rapporteur"); see
        `admin_chats(settings)`. A chat scope replaces the default menu, so it repeats
        everyone's commands before the role's own.
        """
        await self.start()
        await self._publish(languages, roles=(), scope=None)
        for chat_id, roles in admin_chats.items():
            await self._publish(languages, roles=roles, scope=BotCommandScopeChat(int(chat_id)))

    async def _publish(
        self, languages: Sequence[str], roles: Iterable[str], scope: BotCommandScopeChat | None
    ) -> None:
        """One menu per language, plus the first language's for clients in any other."""
        roles = tuple(roles)
        for language in languages:
            commands = command_list(language, roles)
            await self.bot.set_my_commands(commands, scope=scope, language_code=language)
        if languages:
            await self.bot.set_my_commands(command_list(languages[0], roles), scope=scope)

    async def retract_commands(
        self, chat_id: str, languages: Sequence[str] = COMMAND_LANGUAGES
    ) -> None:
        """Drop a former organizer's or rapporteur's own menu, back to everyone's."""
        await self.start()
        scope = BotCommandScopeChat(int(chat_id))
        for language in (*languages, None):
            await self.bot.delete_my_commands(scope=scope, language_code=language)


def _default_concurrency(settings: Settings) -> int:
    """Chats a polling batch handles at once: SQLite has one writer, PostgreSQL many."""
    return 8 if settings.database_url.startswith("postgresql") else 1


def _default_name(kind: str) -> str:
    return "voice.ogg" if kind == "voice" else "file"
