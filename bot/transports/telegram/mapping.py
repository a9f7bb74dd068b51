"""Pure translation between Telegram and the engine: `to_inbound(update)` and `render(reply)`.

Nothing here does I/O, so every rule is unit-tested on real Bot API payloads without a network.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from telegram import (
    CallbackQuery,
    ChatMemberUpdated,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ChatMemberStatus, ChatType, MessageLimit

from bot.core.messages import AttachmentRef, Choice, Inbound, InboundKind, Reply
from bot.transports.text import parse_command, split_text

PLATFORM = "telegram"
TEXT_LIMIT = int(MessageLimit.MAX_TEXT_LENGTH)  # 4,096 characters (code points), 2026-11
CAPTION_LIMIT = int(MessageLimit.CAPTION_LENGTH)  # 1,024 characters
ROW_CHARS = 30  # label characters a row of buttons shows untruncated on a narrow phone
MAX_ROW_BUTTONS = 4
ALLOWED_UPDATES = ("message", "edited_message", "callback_query", "my_chat_member", "channel_post")

_GONE = {ChatMemberStatus.BANNED, ChatMemberStatus.LEFT}  # "kicked" is BANNED in PTB


# ----------------------------------------------------------------------------- inbound


def to_inbound(update: Update) -> Inbound | None:
    """Reduce an update to what the flows need; None for update types the bot ignores."""
    if update.callback_query is not None:
        return _from_callback(update, update.callback_query)
    if update.my_chat_member is not None:
        return _from_membership(update, update.my_chat_member)
    if update.channel_post is not None:
        return _group(update, update.channel_post)
    if update.message is not None:
        return _from_message(update, update.message)
    if update.edited_message is not None:
        return _from_edit(update, update.edited_message)
    return None


def _inbound(update: Update, message: Message | None, kind: InboundKind, **values: Any) -> Inbound:
    user = update.effective_user
    chat = update.effective_chat
    return Inbound(
        platform=PLATFORM,
        user_id=str(user.id if user else chat.id if chat else ""),
        chat_id=str(chat.id if chat else user.id if user else ""),
        update_id=str(update.update_id),
        kind=kind,
        locale_hint=user.language_code if user else None,
        message_ref=str(message.message_id) if message is not None else None,
        **values,
    )


def _is_private(message: Message) -> bool:
    return message.chat.type == ChatType.PRIVATE


def _group(update: Update, message: Message) -> Inbound:
    return _inbound(update, message, InboundKind.GROUP, text=message.text or "")


def _from_message(update: Update, message: Message) -> Inbound | None:
    if not _is_private(message):
        return _group(update, message)
    if message.text is not None:
        return _from_text(update, message, message.text)
    if message.document is not None:
        document = message.document
        ref = AttachmentRef(
            platform_file_id=document.file_id,
            kind="document",
            filename=document.file_name,
            mime_type=document.mime_type,
            size=document.file_size,
        )
        return _inbound(
            update, message, InboundKind.ATTACHMENT, text=message.caption or "", attachment=ref
        )
    if message.voice is not None:
        voice = message.voice
        ref = AttachmentRef(
            platform_file_id=voice.file_id,
            kind="voice",
            mime_type=voice.mime_type,
            size=voice.file_size,
        )
        return _inbound(update, message, InboundKind.ATTACHMENT, attachment=ref)
    if _is_service(message):
        return None
    return _inbound(update, message, InboundKind.UNSUPPORTED, text=message.caption or "")


def _is_service(message: Message) -> bool:
    """Pinned messages, auto-delete timers and the like are not something a user said."""
    return bool(
        message.pinned_message
        or message.message_auto_delete_timer_changed
        or message.new_chat_members
        or message.left_chat_member
    )


def _from_text(update: Update, message: Message, text: str) -> Inbound:
    parsed = parse_command(text)
    if parsed is None:
        return _inbound(update, message, InboundKind.TEXT, text=text)
    command, args = parsed
    return _inbound(update, message, InboundKind.COMMAND, text=text, command=command, args=args)


def _from_edit(update: Update, message: Message) -> Inbound | None:
    if not _is_private(message):
        return None  # an edit in a group would repeat the one group reply
    return _inbound(update, message, InboundKind.EDIT, text=message.text or message.caption or "")


def _from_callback(update: Update, query: CallbackQuery) -> Inbound | None:
    message = query.message if isinstance(query.message, Message) else None
    if message is not None and not _is_private(message):
        return _group(update, message)
    if query.data is None:
        return None  # a game button; the bot sends none
    label = _button_label(message, query.data)
    return _inbound(update, message, InboundKind.CHOICE, choice=query.data, text=label)


def _button_label(message: Message | None, data: str) -> str:
    """The label the user tapped, read back from the keyboard the callback came from."""
    markup = message.reply_markup if message is not None else None
    if markup is None:
        return ""
    for row in markup.inline_keyboard:
        for button in row:
            if button.callback_data == data:
                return button.text
    return ""


def _from_membership(update: Update, change: ChatMemberUpdated) -> Inbound | None:
    if change.chat.type != ChatType.PRIVATE:
        return None
    old, new = change.old_chat_member.status, change.new_chat_member.status
    if new in _GONE and old not in _GONE:
        return _inbound(update, None, InboundKind.BLOCKED)
    if old in _GONE and new not in _GONE:
        return _inbound(update, None, InboundKind.UNBLOCKED)
    return None


def with_stored_path(inbound: Inbound, stored_path: str) -> Inbound:
    """The same inbound, its attachment now fetched into the attachment store."""
    assert inbound.attachment is not None
    attachment = dataclasses.replace(inbound.attachment, stored_path=stored_path)
    return dataclasses.replace(inbound, attachment=attachment)


# ----------------------------------------------------------------------------- outbound


def render(reply: Reply) -> list[dict[str, Any]]:
    """The Bot API calls that show `reply`: each a dict with `method` and its keyword arguments."""
    markup = keyboard(reply.choices, reply.columns)
    if reply.document is not None:
        return _render_document(reply, markup)
    chunks = split_text(reply.shown, TEXT_LIMIT) or (["…"] if markup is not None else [])
    calls: list[dict[str, Any]] = [{"method": "send_message", "text": chunk} for chunk in chunks]
    if calls and markup is not None:
        calls[-1]["reply_markup"] = markup
    return calls


def _render_document(reply: Reply, markup: InlineKeyboardMarkup | None) -> list[dict[str, Any]]:
    document = reply.document
    assert document is not None
    send_document: dict[str, Any] = {
        "method": "send_document",
        "document": document.content,
        "filename": document.filename,
    }
    calls: list[dict[str, Any]] = []
    if len(reply.shown) <= CAPTION_LIMIT:
        if reply.shown:
            send_document["caption"] = reply.shown
    else:
        calls = [
            {"method": "send_message", "text": chunk}
            for chunk in split_text(reply.shown, TEXT_LIMIT)
        ]
    if markup is not None:
        send_document["reply_markup"] = markup
    return [*calls, send_document]


def keyboard(choices: tuple[Choice, ...], columns: int = 1) -> InlineKeyboardMarkup | None:
    """An inline keyboard of up to `columns` buttons a row, short enough to read on a phone."""
    if not choices:
        return None
    rows = [
        [InlineKeyboardButton(choice.label, callback_data=choice.data) for choice in row]
        for row in layout(choices, columns)
    ]
    return InlineKeyboardMarkup(rows)


def layout(choices: tuple[Choice, ...], columns: int = 1) -> list[list[Choice]]:
    """Fill rows in order; a row takes another button only while its labels still fit."""
    per_row = max(1, min(columns, MAX_ROW_BUTTONS))
    rows: list[list[Choice]] = []
    for choice in choices:
        row = rows[-1] if rows else None
        if row is not None and len(row) < per_row and _width([*row, choice]) <= ROW_CHARS:
            row.append(choice)
        else:
            rows.append([choice])
    return rows


def _width(row: list[Choice]) -> int:
    """Label characters plus the padding each extra button costs."""
    return sum(len(choice.label) for choice in row) + 3 * (len(row) - 1)
