"""The Slack transport: a slack-bolt `AsyncApp` served over Socket Mode or the shared ASGI app.

Every listener acknowledges at once and leaves the work (file download, engine, replies) to a
background task, so Slack's 3-second limit holds however slow the engine is. Each task takes its
sender's turn (the receiver's `ordered`) before any work, so one user's updates run in arrival
order and a redelivered event meets the engine only after the first delivery committed.

An event the engine could not commit was acknowledged already, so Slack will not send it again:
the task retries it itself, in the sender's turn (their later events wait), RETRIES times with a
growing pause, and only then sends the apology. The retry lives in memory: the failures it is
for (a locked database, a dropped connection) pass within seconds, and a queue kept in the same
database that just failed would fail with it; a process killed meanwhile loses the event, as it
would any event acknowledged and not yet handled.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import urllib.parse
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import aiohttp
import httpx
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.core.attachments import AttachmentStore
from bot.core.delivery import TransientFailure
from bot.core.messages import TOO_LARGE, UNAVAILABLE, Address, Inbound, Reply
from bot.core.settings import Settings
from bot.transports.base import (
    RETRY_DELAY,
    Attempts,
    Limits,
    Receiver,
    Startup,
    answer,
    handle_safely,
    not_kept,
)
from bot.transports.slack import mapping
from bot.transports.slack.errors import delivery_error

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
DEFAULT_API_URL = "https://slack.com/api/"
PROFILE_TTL = 600.0  # seconds a users.info locale is reused
MAX_DOWNLOAD = 50 * 1024 * 1024  # bytes of a shared file the bot fetches
SHUTDOWN_GRACE = 5.0  # seconds in-flight work may finish when the transport stops
# chat.postMessage is "special" tier: about one message a second per channel (2026-11); the
# workspace-wide rate is far above what the outbox's global limit lets through.
LIMITS = Limits(messages_per_second=50, per_chat_interval=1.0, text_length=mapping.SECTION_LIMIT)

Work = Callable[[], Awaitable[None]]


class _RetryLater(Exception):
    """The engine did not commit the update: run the work again after a pause."""


def _signed(verifier: SignatureVerifier, request: Request, body: bytes) -> bool:
    """Slack's v0 signature over the body, within five minutes; any malformed header: no."""
    try:
        return verifier.is_valid(
            body,
            request.headers.get("X-Slack-Request-Timestamp"),
            request.headers.get("X-Slack-Signature"),
        )
    except (ValueError, TypeError):
        return False


def api_base_url(url: str | None) -> str:
    """slack_sdk joins method names to its base URL, which must end in a slash."""
    return (url or DEFAULT_API_URL).rstrip("/") + "/"


class _Expiring:
    """A small cache whose entries go stale: a changed Slack locale shows within minutes."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._entries: dict[str, tuple[float, Any]] = {}

    def get(self, key: str) -> Any | None:
        expires, value = self._entries.get(key, (0.0, None))
        return value if expires > time.monotonic() else None

    def put(self, key: str, value: Any) -> None:
        if len(self._entries) > 10_000:
            self._entries.clear()
        self._entries[key] = (time.monotonic() + self.ttl, value)


class SlackTransport:
    """Slack as the engine and the outbox see it: DMs in, Block Kit messages out."""

    platform = "slack"
    limits = LIMITS
    retry_delay = RETRY_DELAY  # seconds before the first retry of a failed event (tests shorten)

    def __init__(self, settings: Settings, attachments: AttachmentStore) -> None:
        if not settings.slack_bot_token:
            raise ValueError("SlackTransport needs SLACK_BOT_TOKEN")
        self.settings = settings
        self.attachments = attachments
        self.client = AsyncWebClient(
            token=settings.slack_bot_token, base_url=api_base_url(settings.slack_api_url)
        )
        # process_before_response=True: each listener only acks and spawns a task, so the
        # HTTP answer still leaves at once and the work is ours to track (see `idle`).
        self.app = AsyncApp(
            client=self.client,
            signing_secret=settings.slack_signing_secret or "",
            process_before_response=True,
            name="consultbot",
        )
        self._receiver: Receiver | None = None
        self.attempts = Attempts()
        self._tasks: set[asyncio.Task[None]] = set()
        self._socket: Any = None
        self._locales = _Expiring(PROFILE_TTL)
        self._dm_channels = _Expiring(PROFILE_TTL * 6)
        self.app.event("message")(self._on_message)
        self.app.action(re.compile(".*"))(self._on_action)
        self.app.command(re.compile("^/"))(self._on_command)

    # --- serving ------------------------------------------------------------------------------

    def routes(self, receiver: Receiver) -> list[BaseRoute]:
        """POST /slack/events for events, interactivity and slash commands; bolt checks each.

        With SLACK_APP_TOKEN the app connects by Socket Mode instead and serves no route.
        """
        self._receiver = receiver
        if self.settings.slack_app_token:
            return []
        if not self.settings.slack_signing_secret:
            raise ValueError("serving Slack over HTTP needs SLACK_SIGNING_SECRET")
        handler = AsyncSlackRequestHandler(self.app)
        verifier = SignatureVerifier(self.settings.slack_signing_secret)

        async def events(request: Request) -> Response:
            """The signature first: bolt parses the body before its own check (1.21, 2026-12)."""
            body = await request.body()
            if not _signed(verifier, request, body):
                log.info("slack: a request without a valid signature was refused")
                return Response(status_code=401)
            problem = mapping.unreadable(body, request.headers.get("content-type", ""))
            if problem:
                log.warning("slack: a signed request was unreadable: %s", problem)
                return Response(status_code=400)
            return await handler.handle(request)  # Starlette kept the body for bolt

        return [Route(EVENTS_PATH, events, methods=["POST"])]

    async def start(self, startup: Startup) -> None:
        """Connect by Socket Mode when an app token is set; over HTTP there is nothing to do."""
        self._receiver = startup.receiver
        if not self.settings.slack_app_token:
            log.info("slack: no SLACK_APP_TOKEN, serving events over HTTP at %s", EVENTS_PATH)
            return
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        self._socket = AsyncSocketModeHandler(self.app, self.settings.slack_app_token)
        await self._socket.connect_async()
        log.info("slack: connected by Socket Mode")

    async def serve(self) -> None:
        """Events arrive through the socket or the HTTP route; this only waits."""
        await asyncio.Event().wait()

    async def stop(self) -> None:
        """Close the socket, then let acknowledged updates finish (a few seconds at most)."""
        if self._socket is not None:
            await self._socket.close_async()
            self._socket = None
        try:
            await asyncio.wait_for(self.idle(), SHUTDOWN_GRACE)
        except TimeoutError:  # acknowledged to Slack, not handled: say so, they are lost
            log.error("slack: %d acknowledged updates unfinished at shutdown", len(self._tasks))

    async def idle(self) -> None:
        """Wait until every acknowledged update has been handled and answered."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # --- listeners: ack at once, work later ---------------------------------------------------

    async def _on_message(self, body: dict[str, Any], context: Mapping[str, Any]) -> None:
        event = body.get("event") or {}
        if mapping.is_ignored(event, context.get("bot_user_id")):
            return
        user = (event.get("message") or event).get("user") or ""
        self._spawn(user, str(body.get("event_id")), lambda: self._handle_message(body))

    async def _on_action(self, ack: Callable[..., Awaitable[Any]], body: dict[str, Any]) -> None:
        await ack()
        user = str((body.get("user") or {}).get("id", ""))
        self._spawn(user, str(body.get("trigger_id")), lambda: self._handle_action(body))

    async def _on_command(self, ack: Callable[..., Awaitable[Any]], body: dict[str, Any]) -> None:
        await ack()
        user = str(body.get("user_id", ""))
        self._spawn(user, str(body.get("trigger_id")), lambda: self._handle_command(body))

    def _spawn(self, user: str, label: str, work: Work) -> None:
        task = asyncio.create_task(self._in_turn(user, label, work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _in_turn(self, user: str, label: str, work: Work) -> None:
        """Run the work in the user's turn, taken before any await; log, never raise, a failure."""
        if self._receiver is None:
            log.error("slack: update %s arrived before the transport started", label)
            return
        try:
            async with self._receiver.ordered(self.platform, user):
                await self._until_committed(work)
        except Exception:
            log.exception("slack: failed to handle update %s", label)

    async def _until_committed(self, work: Work) -> None:
        """Run the work; again after a growing pause while the engine could not commit it."""
        delay = self.retry_delay
        while True:
            try:
                await work()
                return
            except _RetryLater:
                await asyncio.sleep(delay)
                delay *= 2

    # --- the work -----------------------------------------------------------------------------

    async def _handle_message(self, body: dict[str, Any]) -> None:
        event = body["event"]
        user = (event.get("message") or event).get("user") or ""
        locale = await self._locale(user)
        file = mapping.shared_file(event)
        stored = None
        if file is not None:
            file = await self._complete(file)
            stored = await self._download(file)
        inbound = mapping.message_to_inbound(body, locale=locale, file=file, stored_path=stored)
        if file is not None and stored is None:
            too_large = (file.get("size") or 0) > MAX_DOWNLOAD
            inbound = not_kept(inbound, TOO_LARGE if too_large else UNAVAILABLE)
        await self._process(inbound)

    async def _handle_action(self, body: dict[str, Any]) -> None:
        await self._update(mapping.closed_message(body))  # first, so a second press finds none
        locale = await self._locale((body.get("user") or {}).get("id", ""))
        inbound = mapping.action_to_inbound(body, locale=locale)
        if inbound is None:
            return
        replies = await self._dispatched(inbound)
        if replies and mapping.refreshes(body, replies[0]):
            # A toggle in a multiple choice: show the new state where the user pressed.
            await self._update(mapping.refreshed_message(body, replies[0]))
            replies = replies[1:]
        await answer(self, inbound.address, replies, inbound.update_id)

    async def _update(self, change: dict[str, Any] | None) -> None:
        """Change a message the bot posted; a failure only costs the tidy-up."""
        if change is None:
            return
        try:
            await self.client.chat_update(**change)
        except SlackApiError as error:
            log.warning("slack: chat.update failed: %s", error.response.get("error"))

    async def _handle_command(self, body: dict[str, Any]) -> None:
        user = str(body.get("user_id", ""))
        channel = await self._dm_channel(user)
        if channel is None:
            return
        locale = await self._locale(user)
        inbound = mapping.command_to_inbound(body, dm_channel=channel, locale=locale)
        await self._process(inbound)

    async def _process(self, inbound: Inbound) -> None:
        replies = await self._dispatched(inbound)
        await answer(self, inbound.address, replies, inbound.update_id)

    async def _dispatched(self, inbound: Inbound) -> list[Reply]:
        assert self._receiver is not None  # checked when the work was queued
        handled = await handle_safely(self._receiver, inbound)
        if not self.attempts.settle(inbound.update_id, handled):
            raise _RetryLater(inbound.update_id)
        return handled.replies

    # --- Slack look-ups -----------------------------------------------------------------------

    async def _locale(self, user: str) -> str | None:
        """The user's Slack locale, offered as their first language; cached for minutes."""
        cached = self._locales.get(user)
        if cached is not None:
            return str(cached)
        try:
            found = await self.client.users_info(user=user, include_locale=True)
        except (SlackApiError, SlackRequestError, aiohttp.ClientError, TimeoutError) as error:
            log.info("slack: users.info for %s failed: %s", user, error)
            return None
        locale = (found.get("user") or {}).get("locale")
        if locale:
            self._locales.put(user, locale)
        return locale

    async def _dm_channel(self, user: str) -> str | None:
        """The bot's DM with a user, where a slash command typed anywhere is answered."""
        cached = self._dm_channels.get(user)
        if cached is not None:
            return cached
        try:
            answer = await self.client.conversations_open(users=user)
        except SlackApiError as error:
            log.warning("slack: cannot open a DM with %s: %s", user, error.response.get("error"))
            return None
        channel = str((answer.get("channel") or {}).get("id", ""))
        self._dm_channels.put(user, channel)
        return channel

    async def _complete(self, file: dict[str, Any]) -> dict[str, Any]:
        """Fill a file stub with files.info where Slack sent one."""
        if not mapping.needs_file_info(file):
            return file
        try:
            answer = await self.client.files_info(file=file.get("id", ""))
        except SlackApiError as error:
            log.warning("slack: files.info failed: %s", error.response.get("error"))
            return file
        return dict(answer.get("file") or file)

    def _trusted(self, url: str) -> bool:
        """Send the bot token only to Slack's hosts (or the configured stand-in)."""
        host = urllib.parse.urlsplit(url).hostname or ""
        configured = urllib.parse.urlsplit(api_base_url(self.settings.slack_api_url)).hostname
        return host == configured or host == "slack.com" or host.endswith(".slack.com")

    async def _download(self, file: Mapping[str, Any]) -> str | None:
        """Fetch a shared file with the bot token into the attachment store."""
        url = file.get("url_private_download") or file.get("url_private") or ""
        if not url or not self._trusted(url) or (file.get("size") or 0) > MAX_DOWNLOAD:
            log.warning("slack: not fetching file %s from %r", file.get("id"), url)
            return None
        headers = {"Authorization": f"Bearer {self.settings.slack_bot_token}"}
        try:
            async with httpx.AsyncClient(timeout=60, follow_redirects=True) as http:
                response = await http.get(url, headers=headers)
        except httpx.HTTPError as error:
            log.warning("slack: download of %s failed: %s", file.get("id"), error)
            return None
        # Without a valid token Slack answers url_private with its sign-in page, 200 (2026-11).
        if response.status_code != 200 or "text/html" in response.headers.get("content-type", ""):
            log.warning("slack: download of %s refused (%s)", file.get("id"), response.status_code)
            return None
        name = file.get("name") or file.get("title")
        try:
            path = self.attachments.save(self.platform, str(file.get("id")), name, response.content)
        except OSError as error:  # the store could not write it (a full disk): not kept, said so
            log.warning("slack: file %s not stored: %s", file.get("id"), error)
            return None
        return str(path)

    # --- sending ------------------------------------------------------------------------------

    async def send(self, address: Address, reply: Reply) -> None:
        """Post a reply (and upload its document); raise a `bot.core.delivery` error on refusal."""
        try:
            if mapping.needs_message(reply):
                await self.client.chat_postMessage(channel=address.chat_id, **mapping.render(reply))
            upload = mapping.render_upload(reply, address.chat_id)
            if upload is not None:
                await self.client.files_upload_v2(**upload)
        except SlackApiError as error:
            raise delivery_error(error) from error
        except (SlackRequestError, aiohttp.ClientError, TimeoutError) as error:
            raise TransientFailure(f"slack: {error}") from error
