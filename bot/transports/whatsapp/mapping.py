"""Pure translation between the WhatsApp Cloud API and the engine, without a network.

Inbound: a webhook notification (entry → changes → value) becomes `Received` inbound values, one
per message, and `Status` values, one per delivery report. Outbound: a `Reply` becomes pywa send
calls within WhatsApp's rules: up to three reply buttons of 20 characters, else a list of up to
ten rows of 24 characters (a longer list in pages, each ending with a "more" row), text in parts
of 4,096 characters (1,024 for a message with buttons).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import mimetypes
from collections.abc import Mapping, Sequence
from typing import Any

from pywa.utils import webhook_updates_validator
from pywa_async.types import Button, Section, SectionList, SectionRow

from bot.core.messages import AttachmentRef, Choice, Inbound, InboundKind, Reply
from bot.core.text import shorten
from bot.transports.base import Limits
from bot.transports.text import parse_command, split_text

PLATFORM = "whatsapp"
TEXT_LIMIT = 4096  # characters of a text message (Cloud API, 2026-12)
BODY_LIMIT = 1024  # of an interactive message's body, and of a document's caption
BUTTONS = 3  # reply buttons of one message
BUTTON_CHARS = 20
ROWS = 10  # rows of one list message, all sections together
ROW_CHARS = 24
DESCRIPTION_CHARS = 72
PARAMETER_CHARS = 900  # a template parameter; the template's own text shares 1,024 with it
MORE = "wa-more:"  # id prefix of the row that opens the next page of a long list
Payload = Mapping[str, Any]
Call = dict[str, Any]  # a pywa client method ("method") and its keyword arguments

# Calling codes of the region to the language a person there most likely reads, offered first
# before they choose; the longest prefix wins. Haiti is French, Brazil Portuguese, the NANP
# (+1: the US, Canada and most of the anglophone Caribbean) English.
_CALLING_CODES = {
    "1": "en",
    "52": "es",
    "53": "es",
    "54": "es",
    "55": "pt",
    "56": "es",
    "57": "es",
    "58": "es",
    "51": "es",
    "591": "es",
    "593": "es",
    "595": "es",
    "598": "es",
    "502": "es",
    "503": "es",
    "504": "es",
    "505": "es",
    "506": "es",
    "507": "es",
    "509": "fr",
    "1809": "es",  # Dominican Republic
    "1829": "es",
    "1849": "es",
    "1787": "es",  # Puerto Rico
    "1939": "es",
}


# Cloud API defaults (2026-12): 80 messages/s per number, about one per 6 s to one person (pair
# rate limit). Free-form messages only within 24 hours of the person's latest message; a few
# minutes are kept back for the time a message takes to reach them.
LIMITS = Limits(
    messages_per_second=80.0,
    per_chat_interval=6.0,
    text_length=TEXT_LIMIT,
    free_form_window=dt.timedelta(hours=24) - dt.timedelta(minutes=5),
)


@dataclasses.dataclass(frozen=True)
class Received:
    """A message from a stakeholder, as an Inbound, and when they wrote it."""

    inbound: Inbound
    at: dt.datetime


@dataclasses.dataclass(frozen=True)
class Status:
    """A delivery report on a message we sent: sent, delivered, read or failed."""

    message_id: str
    recipient: str
    status: str
    at: dt.datetime
    tracker: str | None = None  # what we sent as biz_opaque_callback_data: the outbox key
    error_code: int | None = None
    error_detail: str = ""


@dataclasses.dataclass(frozen=True)
class Notification:
    """Everything one webhook POST carried for our phone number."""

    messages: tuple[Received, ...] = ()
    statuses: tuple[Status, ...] = ()


@dataclasses.dataclass(frozen=True)
class Labels:
    """Words of our own that a list message needs, in the reader's language."""

    choose: str = "Choose"  # the button that opens the list
    more: str = "More options"  # the row that opens the next page


# ----------------------------------------------------------------------------- inbound


def signature_valid(app_secret: str, body: bytes, header: str | None) -> bool:
    """Whether X-Hub-Signature-256 is `sha256=` + HMAC-SHA256 of the raw body with the secret."""
    if not app_secret or not header or not header.startswith("sha256="):
        return False
    return webhook_updates_validator(app_secret, body, header)


def parse(payload: Payload, phone_number_id: str) -> Notification:
    """Messages and statuses for our number; other numbers' and other fields' changes are left."""
    messages: list[Received] = []
    statuses: list[Status] = []
    for entry in payload.get("entry") or []:
        for change in entry.get("changes") or []:
            value = change.get("value") or {}
            metadata = value.get("metadata") or {}
            if change.get("field") != "messages" or metadata.get("phone_number_id") != str(
                phone_number_id
            ):
                continue
            contacts = value.get("contacts") or []
            for message in value.get("messages") or []:
                received = to_received(message, contacts)
                if received is not None:
                    messages.append(received)
            statuses += [to_status(status) for status in value.get("statuses") or []]
    return Notification(tuple(messages), tuple(statuses))


def moment(timestamp: object) -> dt.datetime:
    """Unix seconds, as the Cloud API sends them (a string), to an aware datetime."""
    try:
        return dt.datetime.fromtimestamp(int(str(timestamp)), dt.UTC)
    except ValueError:
        return dt.datetime.now(dt.UTC)


def sender_of(message: Payload, contacts: Sequence[Payload]) -> str:
    """The phone number (wa_id) when WhatsApp shares it, else the business-scoped user id.

    From 2026 a person with a username may come without a phone number, as a BSUID only
    (`US.1349…`); both are valid recipients, so the chat id is the same value.
    """
    contact = _contact_for(message, contacts)
    return str(
        message.get("from")
        or contact.get("wa_id")
        or message.get("from_user_id")
        or contact.get("user_id")
        or ""
    )


def _contact_for(message: Payload, contacts: Sequence[Payload]) -> Payload:
    sender = message.get("from")
    for contact in contacts:
        if sender is not None and contact.get("wa_id") == sender:
            return contact
    return contacts[0] if contacts else {}


def language_hint(sender: str) -> str | None:
    """The language most likely read at the number's calling code, for the first question."""
    digits = sender if sender.isdigit() else ""
    for length in (4, 3, 2, 1):
        language = _CALLING_CODES.get(digits[:length])
        if language:
            return language
    return None


def to_received(message: Payload, contacts: Sequence[Payload]) -> Received | None:
    """One message as the engine sees it; None for what needs no answer (reactions, notices)."""
    if message.get("group_id"):
        return None  # the bot is added to no group; it consults one person at a time
    kind = message.get("type")
    if kind in ("reaction", "system", "request_welcome", "ephemeral"):
        return None
    sender = sender_of(message, contacts)
    base = {
        "platform": PLATFORM,
        "user_id": sender,
        "chat_id": sender,
        "update_id": str(message.get("id", "")),
        "locale_hint": language_hint(sender),
        "message_ref": message.get("id"),
    }
    return Received(_inbound(kind, message, base), moment(message.get("timestamp")))


def _inbound(kind: object, message: Payload, base: dict[str, Any]) -> Inbound:
    if kind == "text":
        text = str((message.get("text") or {}).get("body", ""))
        parsed = parse_command(text)
        if parsed is not None:
            command, args = parsed
            return _make(base, InboundKind.COMMAND, text=text, command=command, args=args)
        return _make(base, InboundKind.TEXT, text=text)
    if kind == "interactive":
        return _interactive(message.get("interactive") or {}, base)
    if kind == "button":  # a quick-reply button of a template
        button = message.get("button") or {}
        text = str(button.get("text", ""))
        return _make(base, InboundKind.CHOICE, choice=str(button.get("payload") or text), text=text)
    ref = attachment_ref(kind, message)
    if ref is not None:
        caption = str((message.get(str(kind)) or {}).get("caption") or "")
        return _make(base, InboundKind.ATTACHMENT, text=caption, attachment=ref)
    caption = str((message.get(str(kind)) or {}).get("caption") or "") if kind else ""
    return _make(base, InboundKind.UNSUPPORTED, text=caption)  # sticker, location, video, ...


def _interactive(interactive: Payload, base: dict[str, Any]) -> Inbound:
    """A tapped reply button or list row; its id is the Choice's data."""
    reply = interactive.get("button_reply") or interactive.get("list_reply")
    if interactive.get("type") not in ("button_reply", "list_reply") or not reply:
        return _make(base, InboundKind.UNSUPPORTED)  # a Flow's answer, or a resent old reply
    return _make(
        base, InboundKind.CHOICE, choice=str(reply.get("id", "")), text=str(reply.get("title", ""))
    )


def attachment_ref(kind: object, message: Payload) -> AttachmentRef | None:
    """Documents, images and audio are kept; a voice note (audio with voice=true) is `voice`."""
    if kind not in ("document", "image", "audio"):
        return None
    media = message.get(str(kind)) or {}
    mime = media.get("mime_type") or None
    voice = kind == "audio" and bool(media.get("voice"))
    return AttachmentRef(
        platform_file_id=str(media.get("id", "")),
        kind="voice" if voice else "document",
        filename=media.get("filename") or default_filename(str(kind), mime, voice),
        mime_type=mime,
    )


def default_filename(kind: str, mime: str | None, voice: bool = False) -> str:
    """`voice.ogg`, `image.jpg`, `audio.mp3`: WhatsApp names only documents."""
    if voice:
        return "voice.ogg"
    extension = mimetypes.guess_extension((mime or "").split(";")[0].strip()) or ""
    return f"{kind}{'.jpg' if extension == '.jpe' else extension}"


def _make(base: dict[str, Any], kind: InboundKind, **values: Any) -> Inbound:
    return Inbound(kind=kind, **{**base, **values})  # an unknown field is a TypeError, not lost


def to_status(status: Payload) -> Status:
    errors = status.get("errors") or [{}]
    first = errors[0]
    details = (first.get("error_data") or {}).get("details")
    code = first.get("code")
    return Status(
        message_id=str(status.get("id", "")),
        recipient=str(status.get("recipient_id") or status.get("recipient_user_id") or ""),
        status=str(status.get("status", "")),
        at=moment(status.get("timestamp")),
        tracker=status.get("biz_opaque_callback_data") or None,
        error_code=int(code) if code is not None else None,
        error_detail=str(details or first.get("title") or first.get("message") or ""),
    )


def more_page(inbound: Inbound) -> int | None:
    """The page a tapped "more" row asks for; None for any other input."""
    data = inbound.choice or ""
    if inbound.kind != InboundKind.CHOICE or not data.startswith(MORE):
        return None
    number = data.removeprefix(MORE)
    return int(number) if number.isdigit() else None


def with_stored_path(inbound: Inbound, stored_path: str, size: int | None) -> Inbound:
    """The same inbound, its file now copied into the attachment store."""
    assert inbound.attachment is not None
    attachment = dataclasses.replace(inbound.attachment, stored_path=stored_path, size=size)
    return dataclasses.replace(inbound, attachment=attachment)


# ----------------------------------------------------------------------------- outbound


def render(reply: Reply, labels: Labels | None = None, page: int = 0) -> list[Call]:
    """The pywa calls that show `reply`, in order; a list beyond ten rows shows page `page`."""
    labels = labels or Labels()
    if reply.document is not None:
        return _render_document(reply, labels)
    if not reply.choices:
        return [_text(chunk) for chunk in split_text(reply.shown, TEXT_LIMIT)]
    head, body = split_body(reply.shown)
    return [*(_text(chunk) for chunk in head), choices_call(body, reply.choices, labels, page)]


def render_page(replies: Sequence[Reply], labels: Labels, page: int) -> list[Call]:
    """After a "more" row: the question's list at `page`, without repeating its long text."""
    asked = [reply for reply in replies if reply.choices and reply.document is None]
    if not asked:
        return [call for reply in replies for call in render(reply, labels)]
    reply = asked[-1]
    return [choices_call(split_body(reply.shown)[1], reply.choices, labels, page)]


def split_body(text: str) -> tuple[list[str], str]:
    """Text messages to send first, and the last part (≤1,024) to carry the buttons."""
    chunks = split_text(text, TEXT_LIMIT) or ["…"]
    last = chunks.pop()
    if len(last) > BODY_LIMIT:
        parts = split_text(last, BODY_LIMIT)
        last = parts.pop()
        chunks += parts
    return chunks, last


def _text(chunk: str) -> Call:
    return {"method": "send_message", "text": chunk}


def choices_call(body: str, choices: Sequence[Choice], labels: Labels, page: int = 0) -> Call:
    """Reply buttons when the choices fit them, else a list message (one page of it)."""
    if fits_buttons(choices):
        buttons = [Button(title=choice.label, callback_data=choice.data) for choice in choices]
        return {"method": "send_message", "text": body, "buttons": buttons}
    bounds = pages(len(choices))
    index = min(max(page, 0), len(bounds) - 1)
    start, end = bounds[index]
    rows = [_row(choice) for choice in choices[start:end]]
    if index + 1 < len(bounds):
        first, last = bounds[index + 1][0] + 1, bounds[-1][1]
        rows.append(
            SectionRow(
                title=shorten(labels.more, ROW_CHARS),
                callback_data=f"{MORE}{index + 1}",
                description=f"{first}–{last} / {len(choices)}",
            )
        )
    section = Section(title=shorten(labels.choose, ROW_CHARS), rows=rows)
    menu = SectionList(button_title=shorten(labels.choose, BUTTON_CHARS), sections=[section])
    return {"method": "send_message", "text": body, "buttons": menu}


def fits_buttons(choices: Sequence[Choice]) -> bool:
    """Up to three choices whose labels fit a button whole, no two alike."""
    labels = [choice.label for choice in choices]
    return (
        len(labels) <= BUTTONS
        and all(len(label) <= BUTTON_CHARS for label in labels)
        and len(set(labels)) == len(labels)
    )


def pages(count: int) -> list[tuple[int, int]]:
    """Slices of a long list: nine choices and a "more" row a page, the last page up to ten."""
    bounds = []
    start = 0
    while count - start > ROWS:
        bounds.append((start, start + ROWS - 1))
        start += ROWS - 1
    bounds.append((start, count))
    return bounds


def _row(choice: Choice) -> SectionRow:
    """A row shows 24 characters of the label; the whole label goes below when it is longer."""
    title = shorten(choice.label, ROW_CHARS)
    description = shorten(choice.label, DESCRIPTION_CHARS) if title != choice.label else None
    return SectionRow(title=title, callback_data=choice.data, description=description)


def _render_document(reply: Reply, labels: Labels) -> list[Call]:
    """The file with the text as caption when it fits; buttons follow in a message of their own."""
    document = reply.document
    assert document is not None
    call: Call = {
        "method": "send_document",
        "document": document.content,
        "filename": document.filename,
        "mime_type": document.mime_type,
    }
    if reply.choices:
        head, body = split_body(reply.shown)
        texts = [_text(chunk) for chunk in head]
        return [*texts, call, choices_call(body, reply.choices, labels)]
    if len(reply.shown) <= BODY_LIMIT:
        if reply.shown:
            call["caption"] = reply.shown
        return [call]
    return [*(_text(chunk) for chunk in split_text(reply.shown, TEXT_LIMIT)), call]


def template_call(template: str, language: str, text: str) -> Call:
    """A template message whose one body parameter is the text (`name` or `name:locale`)."""
    name, _, locale = template.partition(":")
    parameter = {"type": "text", "text": template_parameter(text)}
    return {
        "method": "send_template",
        "name": name,
        "language": locale or language,
        "params": [{"type": "body", "parameters": [parameter]}],
    }


def template_parameter(text: str) -> str:
    """One line: Meta refuses newlines, tabs and runs of spaces in a parameter (2026-12)."""
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return shorten(" · ".join(line for line in lines if line), PARAMETER_CHARS)
