"""A local WhatsApp Cloud API: a real HTTP server on 127.0.0.1 that pywa (or any client) talks to,
and builders of the signed webhook notifications Meta sends.

Start it with `with FakeWhatsApp() as api:` and point WHATSAPP_API_URL at `api.url`. It serves
`POST /<version>/<phone number id>/messages` (text, interactive buttons and lists, documents,
templates), `POST /<version>/<phone number id>/media` (uploads), `GET /<version>/<media id>` and
the media download, checks each message against WhatsApp's rules as the Cloud API does, records
it, and fails on demand with Meta's error bodies (rate limits 130429/131056/80007, re-engagement
131047, undeliverable 131026, opted out 131050, spam 131048, policy block 368). Shapes follow
Meta's Cloud API reference and pywa's recorded payloads (tests/data/updates, 2026-12).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.serving import Served

TOKEN = "EAAFakeWhatsAppTokenForTestsOnly"
PHONE_NUMBER_ID = "106540352242922"
DISPLAY_NUMBER = "15550783881"
WABA_ID = "102290129340398"
APP_SECRET = "fake-app-secret"


@dataclass(frozen=True)
class ApiError:
    """A Graph API error: the HTTP status and Meta's error object."""

    status: int
    code: int
    title: str
    details: str = ""

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {
            "message": f"(#{self.code}) {self.title}",
            "type": "OAuthException",
            "code": self.code,
            "error_data": {"messaging_product": "whatsapp", "details": self.details or self.title},
            "fbtrace_id": "AbCdEfGhIjKlMnOp",
        }
        return {"error": error}

    def webhook_error(self) -> dict[str, Any]:
        """The same error as a failed status webhook carries it."""
        return {
            "code": self.code,
            "title": self.title,
            "message": self.title,
            "error_data": {"details": self.details or self.title},
        }


RATE_LIMIT = ApiError(
    400, 130429, "Rate limit hit", "Cloud API message throughput has been reached."
)
PAIR_RATE_LIMIT = ApiError(
    400,
    131056,
    "(Business Account, Consumer Account) pair rate limit hit",
    "Too many messages sent from the sender phone number to the same recipient phone number "
    "in a short period of time.",
)
ACCOUNT_RATE_LIMIT = ApiError(
    400, 80007, "Rate limit issues", "The WhatsApp Business Account has reached its rate limit."
)
RE_ENGAGEMENT = ApiError(
    400,
    131047,
    "Re-engagement message",
    "More than 24 hours have passed since the recipient last replied to the sender number.",
)
UNDELIVERABLE = ApiError(400, 131026, "Message undeliverable", "Unable to deliver message.")
OPTED_OUT = ApiError(
    400,
    131050,
    "Unable to deliver the message",
    "This recipient has chosen to stop receiving marketing messages on WhatsApp from your "
    "business.",
)
SPAM_RATE_LIMIT = ApiError(400, 131048, "Spam rate limit hit", "Too many messages were blocked.")
POLICY_BLOCK = ApiError(403, 368, "Temporarily blocked for policies violations")
INVALID_PARAMETER = ApiError(400, 100, "Invalid parameter")
PARAMETER_INVALID = ApiError(400, 131009, "Parameter value is not valid")
TEMPLATE_MISSING = ApiError(400, 132001, "Template name does not exist in the translation")
TEMPLATE_PARAMETERS = ApiError(400, 132000, "Number of parameters does not match")
TEMPLATE_FORMAT = ApiError(400, 132018, "There was an issue with the parameters in your template")
EXPIRED_TOKEN = ApiError(401, 190, "Access token has expired")
SERVICE_UNAVAILABLE = ApiError(503, 131016, "Service unavailable")
UNKNOWN_MEDIA = ApiError(400, 100, "Unsupported get request.")


@dataclass(frozen=True)
class Call:
    """One POST /messages as the fake received it."""

    payload: dict[str, Any]
    error: ApiError | None = None
    message_id: str | None = None
    at: float = field(default_factory=time.monotonic)

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def to(self) -> str:
        return str(self.payload.get("to") or self.payload.get("recipient") or "")

    @property
    def type(self) -> str:
        return str(self.payload.get("type", ""))

    @property
    def tracker(self) -> str | None:
        return self.payload.get("biz_opaque_callback_data")

    @property
    def text(self) -> str:
        """What the person reads: the text, the interactive body, the caption or the parameter."""
        kind = self.type
        if kind == "text":
            return str(self.payload["text"]["body"])
        if kind == "interactive":
            return str(self.payload["interactive"]["body"]["text"])
        if kind == "document":
            return str(self.payload["document"].get("caption", ""))
        if kind == "template":
            components = self.payload["template"].get("components") or []
            return " ".join(p["text"] for c in components for p in c.get("parameters", []))
        return ""

    def choices(self) -> list[tuple[str, str]]:
        """(title, id) of the buttons or list rows this message showed."""
        if self.type != "interactive":
            return []
        action = self.payload["interactive"]["action"]
        if "buttons" in action:
            return [(b["reply"]["title"], b["reply"]["id"]) for b in action["buttons"]]
        return [(r["title"], r["id"]) for s in action["sections"] for r in s["rows"]]


@dataclass
class _Failure:
    error: ApiError
    remaining: int
    skip: int = 0


@dataclass(frozen=True)
class Media:
    content: bytes
    mime_type: str
    filename: str | None = None


class FakeWhatsApp(Served):
    """The fake Cloud API server: start, inspect `calls`, add media, inject failures."""

    thread_name = "fake-whatsapp"
    client_max_size = 110 * 1024 * 1024  # a video of the Cloud API's largest

    def __init__(
        self,
        token: str = TOKEN,
        phone_number_id: str = PHONE_NUMBER_ID,
        templates: dict[tuple[str, str], int] | None = None,
    ) -> None:
        super().__init__()
        self.token = token
        self.phone_number_id = phone_number_id
        # (name, locale) -> number of body parameters of each approved template
        self.templates = dict(templates or {})
        self.calls: list[Call] = []
        self.media: dict[str, Media] = {}
        self.media_requests: list[str] = []  # paths of GET media and downloads, in order
        self._lock = threading.Lock()
        self._failures: list[_Failure] = []
        self._recipients: dict[str, ApiError] = {}
        self._ids = itertools.count(1)

    # ------------------------------------------------------------------ lifecycle

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/{version}/{phone}/messages", self._messages)
        app.router.add_post("/{version}/{phone}/media", self._upload)
        app.router.add_get("/download/{media_id}", self._download)
        app.router.add_get("/{version}/{media_id}", self._media_url)

    # ------------------------------------------------------------------ test controls

    def add_media(self, content: bytes, mime_type: str, filename: str | None = None) -> str:
        """A file a stakeholder sent: GET /<media id> describes it, its URL serves it."""
        media_id = str(1_000_000_000_000 + next(self._ids))
        self.media[media_id] = Media(content, mime_type, filename)
        return media_id

    def fail_next(self, error: ApiError, times: int = 1, after: int = 0) -> None:
        """Make the next `times` messages fail with `error`, once `after` went through."""
        with self._lock:
            self._failures.append(_Failure(error, times, after))

    def fail_recipient(self, to: str, error: ApiError) -> None:
        """Make every message to one person fail (blocked, not on WhatsApp)."""
        with self._lock:
            self._recipients[str(to)] = error

    def sent_to(self, to: str) -> list[Call]:
        return [call for call in list(self.calls) if call.ok and call.to == str(to)]

    def texts_to(self, to: str) -> list[str]:
        return [call.text for call in self.sent_to(to)]

    def refused(self) -> list[Call]:
        return [call for call in list(self.calls) if not call.ok]

    async def wait_for(self, predicate: Callable[[], object], timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise TimeoutError(f"condition not met within {timeout}s")
            await asyncio.sleep(0.01)

    # ------------------------------------------------------------------ the Graph API

    def _authorized(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"Bearer {self.token}"

    async def _messages(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return _error(EXPIRED_TOKEN)
        if request.match_info["phone"] != self.phone_number_id:
            return _error(INVALID_PARAMETER)
        payload = await request.json()
        error = check_message(payload, self.templates) or self._injected(payload)
        if error is not None:
            self.calls.append(Call(payload, error))
            return _error(error)
        message_id = "wamid." + base64.b64encode(f"HBgM{next(self._ids):012d}".encode()).decode()
        self.calls.append(Call(payload, None, message_id))
        recipient = str(payload.get("to") or payload.get("recipient"))
        answer: dict[str, Any] = {
            "messaging_product": "whatsapp",
            "contacts": [{"input": recipient, "wa_id": recipient}],
            "messages": [{"id": message_id}],
        }
        if payload.get("type") == "template":
            answer["messages"][0]["message_status"] = "accepted"
        return web.json_response(answer)

    def _injected(self, payload: dict[str, Any]) -> ApiError | None:
        with self._lock:
            to = str(payload.get("to") or payload.get("recipient"))
            if to in self._recipients:
                return self._recipients[to]
            for failure in self._failures:
                if failure.skip > 0:
                    failure.skip -= 1
                    continue
                if failure.remaining != 0:
                    failure.remaining -= 1
                    return failure.error
        return None

    async def _upload(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return _error(EXPIRED_TOKEN)
        form = await request.post()
        upload = form.get("file")
        if form.get("messaging_product") != "whatsapp" or not isinstance(upload, web.FileField):
            return _error(INVALID_PARAMETER)
        media_id = self.add_media(upload.file.read(), str(form.get("type")), upload.filename)
        return web.json_response({"id": media_id})

    async def _media_url(self, request: web.Request) -> web.Response:
        media_id = request.match_info["media_id"]
        self.media_requests.append(request.path)
        if not self._authorized(request):
            return _error(EXPIRED_TOKEN)
        media = self.media.get(media_id)
        if media is None:
            return _error(UNKNOWN_MEDIA)
        return web.json_response(
            {
                "messaging_product": "whatsapp",
                "url": f"{self.url}/download/{media_id}?ext=1&hash=ATtest",
                "mime_type": media.mime_type,
                "sha256": hashlib.sha256(media.content).hexdigest(),
                "file_size": str(len(media.content)),
                "id": media_id,
            }
        )

    async def _download(self, request: web.Request) -> web.Response:
        self.media_requests.append(request.path)
        media = self.media.get(request.match_info["media_id"])
        if not self._authorized(request):
            return web.Response(status=401)
        if media is None:
            return web.Response(status=404)
        return web.Response(body=media.content, content_type=media.mime_type.split(";")[0])


def _error(error: ApiError) -> web.Response:
    return web.json_response(error.body(), status=error.status)


# ------------------------------------------------------------------------- the rules


def check_message(
    payload: dict[str, Any], templates: dict[tuple[str, str], int]
) -> ApiError | None:
    """What the Cloud API refuses in a message (limits checked 2026-12), or None."""
    if payload.get("messaging_product") != "whatsapp" or not (
        payload.get("to") or payload.get("recipient")
    ):
        return INVALID_PARAMETER
    tracker = payload.get("biz_opaque_callback_data")
    if tracker is not None and len(str(tracker)) > 512:
        return PARAMETER_INVALID
    kind = payload.get("type")
    if kind == "text":
        body = (payload.get("text") or {}).get("body") or ""
        return None if 0 < len(body) <= 4096 else PARAMETER_INVALID
    if kind == "interactive":
        return _check_interactive(payload.get("interactive") or {})
    if kind == "document":
        document = payload.get("document") or {}
        if not (document.get("id") or document.get("link")):
            return INVALID_PARAMETER
        return None if len(document.get("caption") or "") <= 1024 else PARAMETER_INVALID
    if kind == "template":
        return _check_template(payload.get("template") or {}, templates)
    return INVALID_PARAMETER


def _check_interactive(interactive: dict[str, Any]) -> ApiError | None:
    body = (interactive.get("body") or {}).get("text") or ""
    action = interactive.get("action") or {}
    if not 0 < len(body) <= 1024:
        return PARAMETER_INVALID
    if interactive.get("type") == "button":
        buttons = [b.get("reply") or {} for b in action.get("buttons") or []]
        titles = [b.get("title") or "" for b in buttons]
        ids = [b.get("id") or "" for b in buttons]
        if not 1 <= len(buttons) <= 3 or len(set(titles)) != len(titles):
            return PARAMETER_INVALID
        if any(not 0 < len(t) <= 20 for t in titles) or any(not 0 < len(i) <= 256 for i in ids):
            return PARAMETER_INVALID
        return None
    if interactive.get("type") == "list":
        sections = action.get("sections") or []
        rows = [row for section in sections for row in section.get("rows") or []]
        ids = [row.get("id") or "" for row in rows]
        if not 0 < len(action.get("button") or "") <= 20 or not 1 <= len(rows) <= 10:
            return PARAMETER_INVALID
        if len(sections) > 1 and any(not s.get("title") for s in sections):
            return INVALID_PARAMETER
        if any(len(s.get("title") or "") > 24 for s in sections) or len(set(ids)) != len(ids):
            return PARAMETER_INVALID
        for row in rows:
            if not 0 < len(row.get("title") or "") <= 24 or not 0 < len(row["id"]) <= 200:
                return PARAMETER_INVALID
            if len(row.get("description") or "") > 72:
                return PARAMETER_INVALID
        return None
    return INVALID_PARAMETER


def _check_template(
    template: dict[str, Any], templates: dict[tuple[str, str], int]
) -> ApiError | None:
    key = (template.get("name"), (template.get("language") or {}).get("code"))
    if key not in templates:
        return TEMPLATE_MISSING
    body = [c for c in template.get("components") or [] if c.get("type") == "body"]
    parameters = [p for c in body for p in c.get("parameters") or []]
    if len(parameters) != templates[key]:
        return TEMPLATE_PARAMETERS
    for parameter in parameters:
        text = str(parameter.get("text", ""))
        if "\n" in text or "\t" in text or "     " in text:
            return TEMPLATE_FORMAT
    return None


# ------------------------------------------------------------------------- webhooks


def sign(body: bytes, secret: str = APP_SECRET) -> str:
    """X-Hub-Signature-256 as Meta computes it over the raw body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signed(payload: dict[str, Any], secret: str = APP_SECRET) -> tuple[bytes, dict[str, str]]:
    """The body and headers of a webhook POST from Meta."""
    body = json.dumps(payload).encode()
    return body, {"Content-Type": "application/json", "X-Hub-Signature-256": sign(body, secret)}


def notification(value: dict[str, Any], phone_number_id: str = PHONE_NUMBER_ID) -> dict[str, Any]:
    """The envelope of every `messages` webhook."""
    metadata = {"display_phone_number": DISPLAY_NUMBER, "phone_number_id": phone_number_id}
    change = {"value": {"messaging_product": "whatsapp", "metadata": metadata, **value}}
    change["field"] = "messages"
    return {"object": "whatsapp_business_account", "entry": [{"id": WABA_ID, "changes": [change]}]}


_message_ids = itertools.count(1)


def message_notification(
    wa_id: str, message: dict[str, Any], name: str = "Ana", at: float | None = None
) -> dict[str, Any]:
    """A message from a stakeholder: the contact and the message, with id and timestamp."""
    message = {
        "from": wa_id,
        "id": f"wamid.IN{next(_message_ids):010d}",
        "timestamp": str(int(at if at is not None else time.time())),
        **message,
    }
    contact = {"profile": {"name": name}, "wa_id": wa_id}
    return notification({"contacts": [contact], "messages": [message]})


def text(wa_id: str, body: str, **extra: Any) -> dict[str, Any]:
    return message_notification(wa_id, {"type": "text", "text": {"body": body}}, **extra)


def button_reply(wa_id: str, button_id: str, title: str, context: str = "") -> dict[str, Any]:
    interactive = {"type": "button_reply", "button_reply": {"id": button_id, "title": title}}
    message = {"type": "interactive", "interactive": interactive}
    if context:
        message["context"] = {"from": DISPLAY_NUMBER, "id": context}
    return message_notification(wa_id, message)


def list_reply(wa_id: str, row_id: str, title: str, description: str = "") -> dict[str, Any]:
    reply = {"id": row_id, "title": title, **({"description": description} if description else {})}
    interactive = {"type": "list_reply", "list_reply": reply}
    return message_notification(wa_id, {"type": "interactive", "interactive": interactive})


def document(wa_id: str, media_id: str, filename: str, mime: str, caption: str = ""):
    media = {"filename": filename, "mime_type": mime, "sha256": "c2hh", "id": media_id}
    if caption:
        media["caption"] = caption
    return message_notification(wa_id, {"type": "document", "document": media})


def image(wa_id: str, media_id: str, mime: str = "image/jpeg") -> dict[str, Any]:
    media = {"mime_type": mime, "sha256": "c2hh", "id": media_id}
    return message_notification(wa_id, {"type": "image", "image": media})


def voice(wa_id: str, media_id: str) -> dict[str, Any]:
    media = {"mime_type": "audio/ogg; codecs=opus", "sha256": "c2hh", "id": media_id, "voice": True}
    return message_notification(wa_id, {"type": "audio", "audio": media})


def status(
    call: Call, state: str, error: ApiError | None = None, at: float | None = None
) -> dict[str, Any]:
    """Meta's report on a message we sent: sent, delivered, read, or failed with its error."""
    report: dict[str, Any] = {
        "id": call.message_id or "wamid.unknown",
        "status": state,
        "timestamp": str(int(at if at is not None else time.time())),
        "recipient_id": call.to,
    }
    if call.tracker is not None:
        report["biz_opaque_callback_data"] = call.tracker
    if state in ("sent", "delivered", "read"):
        report["pricing"] = {"billable": True, "pricing_model": "PMP", "category": "utility"}
    if error is not None:
        report["errors"] = [error.webhook_error()]
    return notification({"statuses": [report]})
