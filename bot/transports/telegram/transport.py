"""Telegram on python-telegram-bot 22: long polling or a webhook in, Bot API calls out.

Only PTB's `Bot` is used: its `Application` adds an update queue, handler groups, persistence
and a job queue, none of which this bot needs (conversation state lives in our database,
DESIGN.md), and its `Updater` acknowledges updates when it queues them, before they are handled.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import logging
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from telegram import Bot, Update
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
from telegram.warnings import PTBDeprecationWarning

from bot.core.attachments import AttachmentStore
from bot.core.delivery import PermanentFailure, RateLimited, TransientFailure, Unreachable
from bot.core.messages import TOO_LARGE, UNAVAILABLE, Address, Inbound, InboundKind, Reply
from bot.core.settings import Settings
from bot.transports.base import (
    REPLY_WAIT,
    Attempts,
    BadBody,
    Limits,
    Receiver,
    Startup,
    answer,
    handle_safely,
    not_kept,
    read_json,
)
from bot.transports.telegram.aiohttp_request import AiohttpRequest
from bot.transports.telegram.mapping import ALLOWED_UPDATES, render, to_inbound, with_stored_path
from bot.transports.telegram.menus import admin_chats, chats_with_roles, publish_commands

log = logging.getLogger(__name__)
__all__ = ["TelegramTransport", "admin_chats", "api_urls", "delivery_error"]

PLATFORM = "telegram"
WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DOWNLOAD_LIMIT = 20 * 1024 * 1024  # getFile serves files up to 20 MB on Telegram's cloud API
# Telegram's advice (2026-11): about 30 messages a second overall, one a second per chat.
LIMITS = Limits(messages_per_second=30, per_chat_interval=1.0, text_length=4096)


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


def build_bot(settings: Settings, pool: int = 64) -> Bot:
    """A Bot with a connection pool for concurrent sends and one of its own for long polls,
    over aiohttp (bot/transports/telegram/aiohttp_request.py says why)."""
    base_url, base_file_url = api_urls(settings)
    kwargs: dict[str, Any] = {}
    if base_url:
        kwargs["base_url"] = base_url
    if base_file_url:
        kwargs["base_file_url"] = base_file_url
    return Bot(
        settings.telegram_bot_token or "",
        request=AiohttpRequest(connection_pool_size=pool),
        get_updates_request=AiohttpRequest(connection_pool_size=1),
        **kwargs,
    )


class TelegramTransport:
    """Telegram as the app and the outbox see it (bot.transports.base.Transport).

    Polling is a `get_updates` loop that acknowledges a batch (by asking for the next offset)
    only after every update in it was handled; a restart at any moment reads the unfinished
    batch again and the engine drops what it has seen. An update that was not committed keeps
    the offset at it (and its sender's later updates wait); the webhook answers it with a 503,
    so Telegram delivers it again. After RETRIES failed attempts it is acknowledged with the
    engine's apology, so one poisoned update cannot block a chat, or the poll, for ever.
    """

    platform = PLATFORM
    limits = LIMITS
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
        self.bot = build_bot(settings)
        self._receiver: Receiver | None = None
        self._startup: Startup | None = None
        self.attempts = Attempts()
        self._ready = asyncio.Lock()
        self._connected = False

    @property
    def webhook(self) -> bool:
        return bool(self.settings.telegram_webhook_url)

    # ------------------------------------------------------------------ lifecycle

    async def connect(self) -> None:
        """Initialise the Bot (one getMe) once, whichever of start or send comes first."""
        async with self._ready:
            if not self._connected:
                await self.bot.initialize()
                self._connected = True

    async def start(self, startup: Startup) -> None:
        """Webhook mode registers the webhook and publishes the menus now.

        Polling mode does its start-up in `serve`, where waiting for an unreachable Telegram
        holds up neither the other platforms nor the health checks.
        """
        self._receiver = startup.receiver
        self._startup = startup
        if self.webhook:
            await self.connect()
            await self.set_webhook()
            await self._publish_menus(startup)

    async def serve(self) -> None:
        """Long-poll until cancelled; in webhook mode updates come through `routes`."""
        if self.webhook:
            await asyncio.Event().wait()
        await self._prepare_polling()
        if self._startup is not None:
            await self._publish_menus(self._startup)
        offset: int | None = None
        while True:
            updates = await self._fetch(offset)
            if updates:
                offset, complete = await self._handle_batch(updates)
                if not complete:
                    await asyncio.sleep(self.retry_delay)  # then fetch the failed one again

    async def stop(self) -> None:
        """Release PTB's HTTP connections."""
        async with self._ready:
            if self._connected:
                self._connected = False
                await self.bot.shutdown()

    def routes(self, receiver: Receiver) -> Sequence[BaseRoute]:
        """POST /telegram/webhook for the shared ASGI app, when a webhook URL is set."""
        self._receiver = receiver
        if not self.webhook:
            return []
        return [Route(WEBHOOK_PATH, self._webhook, methods=["POST"])]

    # ------------------------------------------------------------------ receiving

    async def _prepare_polling(self) -> None:
        """getMe and deleteWebhook, retried while Telegram is unreachable; a bad token raises."""
        delay = self.retry_delay
        while True:
            try:
                await self.connect()
                await self.bot.delete_webhook(drop_pending_updates=False)
                return
            except (NetworkError, RetryAfter) as error:
                if isinstance(error, BadRequest):
                    raise
                log.warning("Telegram unreachable at start (%s); retrying in %.0fs", error, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 60.0)

    async def _publish_menus(self, startup: Startup) -> None:
        """Menus are a convenience: a failure is logged, never stops the bot."""
        if not startup.languages:
            return
        try:
            chats = chats_with_roles(startup.roles)
            hidden = () if self.settings.dashboard_url else ("dashboard",)
            await publish_commands(self.bot, chats, startup.languages, hidden)
        except TelegramError as error:
            log.warning("setMyCommands failed: %s", error)

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

    async def _handle_batch(self, updates: Sequence[Update]) -> tuple[int, bool]:
        """Up to `concurrency` updates at once; each person's in arrival order (their turn).

        Return the offset to confirm (the first update not acknowledged, else past the batch)
        and whether the whole batch was.
        """
        limit = asyncio.Semaphore(self.concurrency)
        held: set[str] = set()  # senders with an update to retry: their later ones wait

        async def one(update: Update) -> bool:
            async with limit:
                return await self.on_update(update, held)

        acknowledged = await asyncio.gather(*(one(update) for update in updates))
        failed = [u.update_id for u, done in zip(updates, acknowledged, strict=True) if not done]
        if failed:
            return min(failed), False
        return updates[-1].update_id + 1, True

    async def _webhook(self, request: Request) -> Response:
        """Handle the update before answering 200, so Telegram redelivers it if we die first."""
        if not self._secret_matches(request.headers.get(SECRET_HEADER)):
            return Response(status_code=403)
        try:
            payload = read_json(await request.body())
        except BadBody as error:
            log.warning("webhook body refused: %s", error)
            return Response(status_code=400)
        await self.connect()
        try:
            update = Update.de_json(payload, self.bot)
        except (TypeError, KeyError, ValueError, AttributeError):
            log.warning("webhook body is not an Update")
            return Response(status_code=200)  # a non-2xx would make Telegram resend it forever
        if not await self.on_update(update):
            return Response(status_code=503)  # not committed: Telegram delivers it again
        return Response(status_code=200)

    def _secret_matches(self, given: str | None) -> bool:
        expected = self.settings.telegram_webhook_secret
        if not expected or given is None:
            return False
        return hmac.compare_digest(given.encode(), expected.encode())

    async def set_webhook(self) -> None:
        """Point Telegram at TELEGRAM_WEBHOOK_URL with our secret token."""
        await self.bot.set_webhook(
            url=self.settings.telegram_webhook_url or "",
            secret_token=self.settings.telegram_webhook_secret,
            allowed_updates=list(ALLOWED_UPDATES),
        )

    async def on_update(self, update: Update, held: set[str] | None = None) -> bool:
        """Map, stop the button's spinner, fetch a file, handle, reply: in the sender's turn.

        Return whether the update may be acknowledged; False leaves it to be delivered again
        (it was not committed, or, in `held`, an earlier update of its sender was not). A bug
        outside the engine counts as a failed attempt: it never stops the poller.
        """
        try:
            return await self._on_update(update, held)
        except Exception:
            log.exception("update %s failed in the Telegram transport", update.update_id)
            if self.attempts.give_up(str(update.update_id)):
                return True
            if held is not None and update.effective_user is not None:
                held.add(str(update.effective_user.id))  # their later updates wait for it
            return False

    async def _on_update(self, update: Update, held: set[str] | None) -> bool:
        inbound = to_inbound(update)
        receiver = self._receiver
        if receiver is None:
            return False  # not started: not handled, so not acknowledged
        if inbound is None:
            if update.callback_query is not None:
                await self._answer_callback(update)
            return True
        async with receiver.ordered(inbound.platform, inbound.user_id):
            if held is not None and inbound.user_id in held:
                return False
            if update.callback_query is not None:
                await self._answer_callback(update)
            if inbound.kind == InboundKind.ATTACHMENT:
                inbound = await self._fetch_attachment(inbound)
            handled = await handle_safely(receiver, inbound)
            if not self.attempts.settle(inbound.update_id, handled):
                if held is not None:
                    held.add(inbound.user_id)
                return False
            await answer(self, inbound.address, handled.replies, inbound.update_id)
        return True

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
        if ref is None:
            return inbound
        if ref.size is not None and ref.size > DOWNLOAD_LIMIT:
            log.info("update %s: file over getFile's limit", inbound.update_id)
            return not_kept(inbound, TOO_LARGE)
        try:
            path = await self._download(
                ref.platform_file_id, ref.filename or _default_name(ref.kind)
            )
        except (TelegramError, OSError) as error:  # OSError: the store could not write it
            log.warning("update %s: file not kept: %s", inbound.update_id, error)
            return not_kept(inbound, UNAVAILABLE)
        return with_stored_path(inbound, str(path))

    async def _download(self, file_id: str, filename: str) -> Path:
        telegram_file = await self.bot.get_file(file_id)
        content = await telegram_file.download_as_bytearray()
        key = telegram_file.file_unique_id or file_id  # stable across bots and redeliveries
        return self.attachments.save(PLATFORM, key, filename, bytes(content))

    # ------------------------------------------------------------------ sending

    async def send(self, address: Address, reply: Reply) -> None:
        """Deliver every Bot API call of a reply, raising bot.core.delivery errors.

        Once a part of a long reply is out, a 429 on a later part is waited out (up to
        REPLY_WAIT): raising it would make the caller send the earlier parts again.
        """
        await self.connect()
        try:
            for index, call in enumerate(render(reply)):
                await self._call(address.chat_id, call, wait=REPLY_WAIT if index else 0.0)
        except TelegramError as error:
            raise delivery_error(error) from error

    async def _call(self, chat_id: str, call: Mapping[str, Any], wait: float) -> None:
        kwargs = {key: value for key, value in call.items() if key != "method"}
        method = getattr(self.bot, call["method"])
        try:
            await method(chat_id=int(chat_id), **kwargs)
        except RetryAfter as error:
            seconds = retry_seconds(error)
            if seconds > wait:
                raise
            await asyncio.sleep(seconds)
            await method(chat_id=int(chat_id), **kwargs)


def _default_concurrency(settings: Settings) -> int:
    """Updates a polling batch handles at once: SQLite has one writer, PostgreSQL many."""
    return 8 if settings.database_url.startswith("postgresql") else 1


def _default_name(kind: str) -> str:
    return "voice.ogg" if kind == "voice" else "file"
