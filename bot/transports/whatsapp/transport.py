"""WhatsApp on the Cloud API: a signed webhook in, pywa's async client out.

Meta POSTs notifications to `/whatsapp/webhook`; each is checked against the app secret, handled
(engine, replies, delivery reports) and only then answered 200, so a crash before that makes Meta
deliver it again and the engine, which dedupes by message id, answers it once. pywa sends: its
payloads, media upload and download, and error codes are Meta's; our own parser reads the webhook
(see docs/whatsapp.md for why).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import logging
import urllib.parse
from collections.abc import Callable
from typing import Any, Protocol

import httpx
from pywa_async import WhatsApp
from pywa_async.errors import WhatsAppError
from pywa_async.types.templates import TemplateLanguage
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot.core.attachments import AttachmentStore
from bot.core.delivery import DeliveryError, NoTemplate
from bot.core.i18n import translator
from bot.core.messages import TOO_LARGE, UNAVAILABLE, Address, Inbound, InboundKind, Reply
from bot.core.settings import Settings
from bot.transports.base import (
    Attempts,
    BadBody,
    Receiver,
    Startup,
    combined,
    deliver,
    handle_safely,
    not_kept,
    read_json,
)
from bot.transports.whatsapp import mapping
from bot.transports.whatsapp.errors import delivery_error

log = logging.getLogger(__name__)
__all__ = ["WEBHOOK_PATH", "Ledger", "WhatsAppTransport"]

PLATFORM = mapping.PLATFORM
WEBHOOK_PATH = "/whatsapp/webhook"
SIGNATURE_HEADER = "X-Hub-Signature-256"
MAX_DOWNLOAD = 25 * 1024 * 1024  # bytes; WhatsApp carries documents up to 100 MB
# Where a media URL may point for us to send the token along (Meta's CDN, 2026-12).
MEDIA_HOSTS = ("fbsbx.com", "facebook.com", "whatsapp.net")


class Ledger(Protocol):
    """Where the transport writes what it learns after the fact (bot.outbox.ledger)."""

    async def inbound(self, platform: str, user_id: str, at: dt.datetime) -> str | None: ...

    async def delivered(self, key: str, receipt: str, at: dt.datetime) -> bool: ...

    async def failed(self, key: str, error: DeliveryError, at: dt.datetime) -> bool: ...


def labels(language: str) -> mapping.Labels:
    """Our own words on a list message, in the reader's language."""
    t = translator(language)
    return mapping.Labels(choose=t._("Choose"), more=t._("More options"))


class WhatsAppTransport:
    """WhatsApp as the engine and the outbox see it (bot.transports.base.Transport)."""

    platform = PLATFORM
    limits = mapping.LIMITS

    def __init__(
        self,
        settings: Settings,
        attachments: AttachmentStore,
        ledger: Ledger,
        *,
        default_language: str = "es",
    ) -> None:
        if not settings.whatsapp_enabled:
            raise ValueError("WhatsAppTransport needs WHATSAPP_TOKEN")
        self.settings = settings
        self.attachments = attachments
        self.ledger = ledger
        self.default_language = default_language
        self.phone_number_id = str(settings.whatsapp_phone_number_id)
        self.templates = {
            language: _template(language, value)
            for language, value in settings.whatsapp_templates.items()
        }
        self._client: WhatsApp | None = None
        self._session: httpx.AsyncClient | None = None
        self._receiver: Receiver | None = None
        self.attempts = Attempts()
        self.clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)  # tests set it

    # ------------------------------------------------------------------ lifecycle

    @property
    def client(self) -> WhatsApp:
        if self._client is None:
            self._session = httpx.AsyncClient(timeout=httpx.Timeout(30.0, connect=10.0))
            self._client = WhatsApp(
                phone_id=self.phone_number_id,
                token=self.settings.whatsapp_token,
                session=self._session,
            )
            if self.settings.whatsapp_api_url:  # a stand-in for graph.facebook.com (tests)
                # pywa sets the session's base URL to Meta's (2026-12); the session is ours.
                version_path = self._session.base_url.path.rstrip("/")
                base = self.settings.whatsapp_api_url.rstrip("/")
                self._session.base_url = httpx.URL(base + version_path)
        return self._client

    async def start(self, startup: Startup) -> None:
        """Nothing to register: Meta is told the webhook URL once, in the app dashboard."""
        self._receiver = startup.receiver
        _ = self.client

    async def serve(self) -> None:
        """Webhook only: notifications arrive through `routes`; this waits."""
        await asyncio.Event().wait()

    async def stop(self) -> None:
        """Release the HTTP connections."""
        if self._session is not None:
            await self._session.aclose()
        self._client = self._session = None

    def routes(self, receiver: Receiver) -> list[BaseRoute]:
        """GET (Meta's verification handshake) and POST (notifications) at /whatsapp/webhook."""
        self._receiver = receiver
        return [
            Route(WEBHOOK_PATH, self._verify, methods=["GET"]),
            Route(WEBHOOK_PATH, self._webhook, methods=["POST"]),
        ]

    # ------------------------------------------------------------------ receiving

    async def _verify(self, request: Request) -> Response:
        """Echo hub.challenge when hub.verify_token is ours, as Meta's subscription expects."""
        query = request.query_params
        expected = self.settings.whatsapp_verify_token or ""
        given = query.get("hub.verify_token", "")
        if query.get("hub.mode") == "subscribe" and hmac.compare_digest(given, expected):
            return PlainTextResponse(query.get("hub.challenge", ""))
        return Response(status_code=403)

    async def _webhook(self, request: Request) -> Response:
        """A notification signed with the app secret; anything else is refused, untouched."""
        body = await request.body()
        secret = self.settings.whatsapp_app_secret or ""
        if not mapping.signature_valid(secret, body, request.headers.get(SIGNATURE_HEADER)):
            log.warning("whatsapp: a webhook POST without a valid signature was refused")
            return Response(status_code=401)
        try:
            payload = read_json(body)
        except BadBody as error:
            log.warning("whatsapp: webhook body refused: %s", error)
            return Response(status_code=400)
        try:
            notification = mapping.parse(payload, self.phone_number_id)
        except (ValueError, TypeError, AttributeError) as error:
            log.warning("whatsapp: unreadable notification (%s)", error)
            return Response(status_code=200)  # a non-2xx would make Meta resend it for days
        for status in notification.statuses:
            await self._status(status)
        held: set[str] = set()  # senders with a message not committed: their later ones wait
        acknowledged = [await self._receive(received, held) for received in notification.messages]
        if not all(acknowledged):
            # Not committed: Meta delivers the notification again (the rest are duplicates).
            return Response(status_code=503)
        return Response(status_code=200)

    async def _status(self, status: mapping.Status) -> None:
        """Record a report on an outbox message (ours carry its key); log a failed reply."""
        if status.status == "failed":
            error = delivery_error(status.error_code, status.error_detail)
            log.warning("whatsapp: message %s failed: %s", status.message_id, error)
            if status.tracker:
                await self.ledger.failed(status.tracker, error, status.at)
        elif status.tracker and status.status in ("delivered", "read"):
            await self.ledger.delivered(status.tracker, status.status, status.at)

    async def _receive(self, received: mapping.Received, held: set[str]) -> bool:
        """In the sender's turn: fetch a file, handle, note the time of the message, answer.

        False when it was not committed (and it has attempts left), or an earlier message of
        its sender in this notification was not: nothing is sent, Meta delivers it again. A
        bug outside the engine counts as a failed attempt.
        """
        inbound = received.inbound
        if inbound.user_id in held:
            return False
        try:
            done = await self._handle(received)
        except Exception:
            log.exception("whatsapp: message %s failed in the transport", inbound.update_id)
            done = self.attempts.give_up(inbound.update_id)
        if not done:
            held.add(inbound.user_id)
        return done

    async def _handle(self, received: mapping.Received) -> bool:
        inbound = received.inbound
        receiver = self._receiver
        if receiver is None:
            log.error(
                "whatsapp: message %s arrived before the transport started", inbound.update_id
            )
            return False
        async with receiver.ordered(inbound.platform, inbound.user_id):
            inbound = await self._fetch_attachment(inbound)
            handled = await handle_safely(receiver, inbound)
            if not self.attempts.settle(inbound.update_id, handled):
                return False
            language = await self._note_inbound(inbound, received.at)
            words = labels(language or inbound.locale_hint or self.default_language)
            page = mapping.more_page(inbound)
            replies = combined(handled.replies, self.limits.text_length)
            if page is None:
                calls = [call for reply in replies for call in mapping.render(reply, words)]
            else:  # the engine showed where we are again; we show the page asked for
                calls = mapping.render_page(handled.replies, words, page)

            async def send(call: mapping.Call) -> None:
                await self._call(inbound.chat_id, call)

            await deliver(send, calls, inbound.update_id)
        return True

    async def _note_inbound(self, inbound: Inbound, at: dt.datetime) -> str | None:
        """Record when the stakeholder wrote (their 24 hours start again); their language."""
        try:
            return await self.ledger.inbound(PLATFORM, inbound.user_id, at)
        except Exception:  # the replies matter more; the next message records the time again
            log.exception("whatsapp: time of message %s not recorded", inbound.update_id)
            return None

    async def _fetch_attachment(self, inbound: Inbound) -> Inbound:
        """Copy a document, image or voice note into the attachment store via the media API."""
        ref = inbound.attachment
        if inbound.kind != InboundKind.ATTACHMENT or ref is None or not ref.platform_file_id:
            return inbound
        try:
            media = await self.client.get_media_url(ref.platform_file_id)
            size = int(media.file_size or 0) or None
            if (size or 0) > MAX_DOWNLOAD or not self._trusted(media.url):
                log.warning("whatsapp: not fetching media %s (%s bytes)", media.id, size)
                return not_kept(inbound, TOO_LARGE if (size or 0) > MAX_DOWNLOAD else UNAVAILABLE)
            content = await self.client.get_media_bytes(url=media.url)
            path = self.attachments.save(PLATFORM, ref.platform_file_id, ref.filename, content)
        except (WhatsAppError, httpx.HTTPError, ValueError, OSError) as error:
            # OSError: the attachment store could not write it (a full disk)
            log.warning("whatsapp: media of %s not kept: %s", inbound.update_id, error)
            return not_kept(inbound, UNAVAILABLE)
        return mapping.with_stored_path(inbound, str(path), size or len(content))

    def _trusted(self, url: str) -> bool:
        """Send the token only to Meta's media hosts (or the configured stand-in)."""
        host = urllib.parse.urlsplit(url).hostname or ""
        configured = urllib.parse.urlsplit(self.settings.whatsapp_api_url or "").hostname
        return host == configured or any(
            host == name or host.endswith("." + name) for name in MEDIA_HOSTS
        )

    # ------------------------------------------------------------------ sending

    async def send(self, address: Address, reply: Reply) -> None:
        """Deliver one outbox message; raise a bot.core.delivery outcome on refusal.

        Free-form within 24 hours of the person's latest message, else as the template of their
        language. The reply's key rides along as biz_opaque_callback_data, so the delivery
        reports of the message (delivered, read, failed) name it.
        """
        if self._outside_window(address):
            await self._send_template(address, reply, address.language)
            return
        words = labels(address.language or self.default_language)
        for call in mapping.render(reply, words):
            await self._call(address.chat_id, {**call, "tracker": reply.key or None})

    def _outside_window(self, address: Address) -> bool:
        window = self.limits.free_form_window
        if window is None:
            return False
        last = address.last_seen
        return last is None or self.clock() - last >= window

    async def _send_template(self, address: Address, reply: Reply, language: str | None) -> None:
        """One outbox message as the language's approved template (outside the 24 hours)."""
        language = language or self.default_language
        template = self.templates.get(language)
        if template is None:
            raise NoTemplate(f"whatsapp: no WHATSAPP_TEMPLATES entry for {language!r}")
        call = mapping.template_call(template, language, reply.shown)
        await self._call(address.chat_id, {**call, "tracker": reply.key or None})

    async def _call(self, chat_id: str, call: mapping.Call) -> None:
        kwargs: dict[str, Any] = {key: value for key, value in call.items() if key != "method"}
        if call["method"] == "send_template":
            kwargs["language"] = TemplateLanguage(kwargs["language"])
        method = getattr(self.client, call["method"])
        try:
            await method(to=chat_id, **kwargs)
        except WhatsAppError as error:
            detail = error.details or error.message
            raise delivery_error(
                error.code, detail, status=error.status_code, transient=error.is_transient
            ) from error
        except httpx.HTTPError as error:
            raise delivery_error(None, f"{type(error).__name__}: {error}", status=503) from error


def _template(language: str, value: str) -> str:
    """`name:locale`, the locale (the pack language by default) checked against Meta's list
    at start-up rather than at the first broadcast."""
    name, _, locale = value.partition(":")
    locale = locale or language
    try:
        TemplateLanguage(locale)
    except Exception:  # pywa's enum raises a TypeError of its own for unknown values (4.5)
        raise ValueError(
            f"WHATSAPP_TEMPLATES: {locale!r} is not a WhatsApp template locale "
            f"(write {language}: {name}:<locale>, such as pt_BR)"
        ) from None
    return f"{name}:{locale}"
