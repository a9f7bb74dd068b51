"""Pure translation between Slack payloads and `bot.core.messages` values, without a network.

Inbound: message.im events, block_actions and slash commands become `Inbound` values. Outbound:
a `Reply` becomes chat.postMessage kwargs (Block Kit), files_upload_v2 kwargs for a document, and
chat.update kwargs that close the message a button was pressed on.
"""

from __future__ import annotations

import hashlib
import re
import urllib.parse
from collections.abc import Mapping, Sequence
from typing import Any

from bot.core.messages import AttachmentRef, Choice, Inbound, InboundKind, Reply
from bot.transports.base import BadBody, read_json
from bot.transports.text import parse_command, split_text

PLATFORM = "slack"

SECTION_LIMIT = 3000  # characters of a section block's text (Block Kit, 2026-11)
BUTTONS_PER_BLOCK = 25  # elements of one actions block
OPTIONS_PER_SELECT = 100  # options of one static_select
LABEL_LIMIT = 75  # characters of a button's or an option's plain_text
FALLBACK_LIMIT = 4000  # top-level text: Slack truncates at 40,000, notifications far sooner
SELECT_ABOVE = 8  # more choices than this become a static_select (countries, languages)
MAX_BLOCKS = 50  # blocks of one message

# Subtypes that are bookkeeping, not something the stakeholder said: answering them would be noise.
SILENT_SUBTYPES = frozenset(
    {"message_deleted", "message_replied", "bot_message", "channel_join", "channel_leave"}
)

_LINK = re.compile(r"<([^<>|]+)(?:\|([^<>]*))?>")

Payload = Mapping[str, Any]


def language_of(locale: str | None) -> str | None:
    """Turn Slack's `users.info` locale ("es-LA", "pt-BR") into the language the engine offers."""
    if not locale:
        return None
    return locale.replace("_", "-").split("-", 1)[0].lower() or None


def plain_text(text: str) -> str:
    """Undo Slack's formatting: `<mailto:a@b.org|a@b.org>` is what the user typed as a@b.org."""

    def label(match: re.Match[str]) -> str:
        target, shown = match.group(1), match.group(2)
        if shown:
            return shown
        return target.removeprefix("mailto:")

    unlinked = _LINK.sub(label, text)
    return unlinked.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()


def escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn reserves for links and mentions."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --- inbound ------------------------------------------------------------------------------------


def unreadable(body: bytes, content_type: str) -> str | None:
    """Why a signed request body cannot be an event, action or command; None when it can be."""
    try:
        if content_type.startswith("application/json"):
            found = read_json(body)
        else:
            form = urllib.parse.parse_qs(body.decode("utf-8"), strict_parsing=bool(body))
            if "payload" not in form:
                return None  # a slash command: plain form fields
            found = read_json(form["payload"][0].encode())
    except (BadBody, UnicodeDecodeError, ValueError) as error:
        return str(error)
    return None if isinstance(found, dict) else "not a JSON object"


def is_own_message(event: Payload, bot_user_id: str | None) -> bool:
    """Tell the bot's own posts and edits (chat.update after a button press) from the user's."""
    inner = event.get("message") if event.get("subtype") == "message_changed" else event
    if not isinstance(inner, Mapping):
        return False
    if inner.get("bot_id") or inner.get("subtype") == "bot_message":
        return True  # any bot, ours included: bots do not take part in a consultation
    return bot_user_id is not None and inner.get("user") == bot_user_id


def is_ignored(event: Payload, bot_user_id: str | None = None) -> bool:
    """Drop what needs no answer: the bot's own messages, hidden and bookkeeping subtypes."""
    if event.get("type") != "message" or is_own_message(event, bot_user_id):
        return True
    if event.get("subtype") == "message_changed":  # hidden, yet a user's edit is worth an answer
        return not _is_user_edit(event)
    return bool(event.get("hidden")) or event.get("subtype") in SILENT_SUBTYPES


def _is_user_edit(event: Payload) -> bool:
    """A message_changed whose text changed; link unfurls also send message_changed (2026-11)."""
    if event.get("subtype") != "message_changed":
        return False
    new, old = event.get("message") or {}, event.get("previous_message") or {}
    return bool(new.get("user")) and new.get("text") != old.get("text")


def shared_file(event: Payload) -> Payload | None:
    """The first file of a file_share message; Slack sends one event for several files."""
    if event.get("subtype") != "file_share":
        return None
    files = event.get("files") or []
    return files[0] if files else None


def needs_file_info(file: Payload) -> bool:
    """Slack Connect and some workspaces send a stub to complete with files.info (2026-11)."""
    return file.get("file_access") == "check_file_info" or not file.get("url_private")


def attachment_ref(file: Payload, stored_path: str | None) -> AttachmentRef:
    """Describe a shared file; audio clips recorded in Slack count as voice answers."""
    mime = file.get("mimetype") or None
    voice = file.get("subtype") == "slack_audio" or (mime or "").startswith("audio/")
    return AttachmentRef(
        platform_file_id=str(file.get("id", "")),
        kind="voice" if voice else "document",
        filename=file.get("name") or file.get("title") or None,
        mime_type=mime,
        size=file.get("size"),
        stored_path=stored_path,
    )


def message_to_inbound(
    body: Payload,
    *,
    locale: str | None = None,
    file: Payload | None = None,
    stored_path: str | None = None,
) -> Inbound:
    """Map an Events API `message` callback (past `is_ignored`); `file` completes a stub."""
    event = body["event"]
    edited = event.get("subtype") == "message_changed"
    source = event["message"] if edited else event
    base = {
        "platform": PLATFORM,
        "user_id": str(source.get("user", "")),
        "chat_id": str(event.get("channel", "")),
        "update_id": str(body.get("event_id") or f"{event.get('channel')}:{source.get('ts')}"),
        "locale_hint": language_of(locale),
        "message_ref": source.get("ts"),
    }
    text = plain_text(source.get("text") or "")
    if event.get("channel_type") not in (None, "im"):
        return Inbound(kind=InboundKind.GROUP, text=text, **base)
    if edited:
        return Inbound(kind=InboundKind.EDIT, text=text, **base)
    file = file or shared_file(event)
    if file is not None:
        ref = attachment_ref(file, stored_path)
        return Inbound(kind=InboundKind.ATTACHMENT, text=text, attachment=ref, **base)
    if event.get("subtype"):
        return Inbound(kind=InboundKind.UNSUPPORTED, text=text, **base)
    return text_inbound(text, base)


def text_inbound(text: str, base: Mapping[str, Any]) -> Inbound:
    """Typed text, or a command when it starts with a slash (Slack lets " /consult" through)."""
    parsed = parse_command(text)
    if parsed is not None:
        command, args = parsed
        return Inbound(kind=InboundKind.COMMAND, text=text, command=command, args=args, **base)
    return Inbound(kind=InboundKind.TEXT, text=text, **base)


def pressed_action(body: Payload) -> Payload | None:
    """The button or select of a block_actions payload (Slack sends one action per press)."""
    actions = body.get("actions") or []
    return actions[0] if actions else None


def action_value(action: Payload) -> str | None:
    """A button's value, or the chosen option's value of a static_select."""
    if action.get("type") == "static_select":
        return (action.get("selected_option") or {}).get("value")
    return action.get("value")


def action_label(action: Payload) -> str:
    """What the user pressed, as shown to them."""
    if action.get("type") == "static_select":
        return ((action.get("selected_option") or {}).get("text") or {}).get("text", "")
    return (action.get("text") or {}).get("text", "")


def action_channel(body: Payload) -> str:
    """The channel a block_actions payload came from, wherever Slack put it."""
    container = body.get("container") or {}
    channel = body.get("channel") or {}
    return str(container.get("channel_id") or channel.get("id") or "")


def action_to_inbound(body: Payload, *, locale: str | None = None) -> Inbound | None:
    """Map a block_actions press to a CHOICE; update id is the action_ts plus the user."""
    action = pressed_action(body)
    value = action_value(action) if action else None
    if action is None or value is None:
        return None
    user_id = str((body.get("user") or {}).get("id", ""))
    return Inbound(
        platform=PLATFORM,
        user_id=user_id,
        chat_id=action_channel(body),
        update_id=f"{action.get('action_ts', '')}:{user_id}",
        kind=InboundKind.CHOICE,
        text=action_label(action),
        choice=value,
        locale_hint=language_of(locale),
        message_ref=(body.get("container") or {}).get("message_ts"),
    )


def command_to_inbound(body: Payload, *, dm_channel: str, locale: str | None = None) -> Inbound:
    """Map a slash command; its replies go to the bot's DM, wherever the command was typed."""
    text = str(body.get("text") or "").strip()
    return Inbound(
        platform=PLATFORM,
        user_id=str(body.get("user_id", "")),
        chat_id=dm_channel,
        update_id=str(body.get("trigger_id", "")),
        kind=InboundKind.COMMAND,
        text=f"{body.get('command', '')} {text}".strip(),
        command=str(body.get("command", "")).lstrip("/").lower(),
        args=text,
        locale_hint=language_of(locale),
    )


# --- outbound -----------------------------------------------------------------------------------


def section_blocks(text: str) -> list[dict[str, Any]]:
    """Sections of mrkdwn text, each within the 3,000-character limit after escaping."""
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": escape(part)}}
        for part in split_text(text, SECTION_LIMIT - 200)  # escaping can lengthen a chunk
    ]


def _label(text: str) -> dict[str, Any]:
    short = text if len(text) <= LABEL_LIMIT else text[: LABEL_LIMIT - 1] + "…"
    return {"type": "plain_text", "text": short or "·", "emoji": True}


def fingerprint(reply: Reply) -> str:
    """Name a question by its key and text, carried in block_id so a press can tell whether
    the engine's answer is the same question again (a multiple-choice toggle)."""
    digest = hashlib.sha1(f"{reply.key}\n{reply.text}".encode(), usedforsecurity=False)
    return digest.hexdigest()[:12]


def button_blocks(choices: Sequence[Choice], tag: str = "choices") -> list[dict[str, Any]]:
    """Actions blocks of buttons, 25 to a block, each button with its own action_id."""
    blocks = []
    for start in range(0, len(choices), BUTTONS_PER_BLOCK):
        row = enumerate(choices[start : start + BUTTONS_PER_BLOCK], start)
        elements = [
            {"type": "button", "action_id": f"choice-{i}", "text": _label(c.label), "value": c.data}
            for i, c in row
        ]
        blocks.append({"type": "actions", "block_id": f"{tag}-{start}", "elements": elements})
    return blocks


def select_blocks(choices: Sequence[Choice], tag: str = "choices") -> list[dict[str, Any]]:
    """One actions block of static_selects, 100 options to a select, for long lists."""
    selects = []
    for start in range(0, len(choices), OPTIONS_PER_SELECT):
        options = [
            {"text": _label(c.label), "value": c.data}
            for c in choices[start : start + OPTIONS_PER_SELECT]
        ]
        select = {"type": "static_select", "action_id": f"select-{start}", "options": options}
        selects.append(select)
    return [{"type": "actions", "block_id": f"{tag}-select", "elements": selects}]


def choice_blocks(choices: Sequence[Choice], tag: str = "choices") -> list[dict[str, Any]]:
    """Buttons for a few choices; a select where a list is long, such as countries."""
    if len(choices) > SELECT_ABOVE:
        return select_blocks(choices, tag)
    return button_blocks(choices, tag)


def render(reply: Reply) -> dict[str, Any]:
    """chat.postMessage kwargs without the channel: fallback text plus Block Kit blocks."""
    blocks = section_blocks(reply.shown) + choice_blocks(reply.choices, fingerprint(reply))
    fallback = reply.shown or " · ".join(choice.label for choice in reply.choices)
    return {"text": escape(fallback[:FALLBACK_LIMIT]), "blocks": blocks[-MAX_BLOCKS:]}


def needs_message(reply: Reply) -> bool:
    """A document alone travels as the upload's comment; buttons need a message of their own."""
    return reply.document is None or bool(reply.choices)


def render_upload(reply: Reply, channel: str) -> dict[str, Any] | None:
    """files_upload_v2 kwargs for a reply's document, with the text as comment if not posted."""
    document = reply.document
    if document is None:
        return None
    upload: dict[str, Any] = {
        "channel": channel,
        "content": document.content,
        "filename": document.filename,
        "title": document.filename,
    }
    if not needs_message(reply) and reply.shown:
        upload["initial_comment"] = reply.shown[:FALLBACK_LIMIT]
    return upload


def refreshes(body: Payload, reply: Reply) -> bool:
    """Whether `reply` is the pressed question again, as after a toggle in a multiple choice."""
    action = pressed_action(body)
    block_id = str((action or {}).get("block_id", ""))
    same = block_id.partition("-")[0] == fingerprint(reply)
    return same and bool(reply.choices) and reply.document is None


def refreshed_message(body: Payload, reply: Reply) -> dict[str, Any] | None:
    """chat.update kwargs that show the question's new state in the message pressed."""
    container = body.get("container") or {}
    ts = (body.get("message") or {}).get("ts") or container.get("message_ts")
    if not ts or container.get("is_ephemeral"):
        return None
    return {"channel": action_channel(body), "ts": ts, **render(reply)}


def closed_message(body: Payload) -> dict[str, Any] | None:
    """chat.update kwargs that show the choice made and remove the buttons it was made with."""
    message, action = body.get("message"), pressed_action(body)
    container = body.get("container") or {}
    ts = (message or {}).get("ts") or container.get("message_ts")
    if not message or action is None or not ts or container.get("is_ephemeral"):
        return None
    kept = [block for block in message.get("blocks") or [] if block.get("type") != "actions"]
    chosen = {"type": "mrkdwn", "text": f"✓ *{escape(action_label(action))}*"}
    return {
        "channel": action_channel(body),
        "ts": ts,
        "text": message.get("text") or action_label(action),
        "blocks": [*kept, {"type": "context", "elements": [chosen]}],
    }
