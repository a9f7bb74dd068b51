"""`to_inbound` and `render` on real Bot API payloads (tests/fixtures/telegram/, see SOURCES.md)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from telegram import Bot, Update

from bot.core.messages import Choice, Document, InboundKind, Reply
from bot.transports.telegram.mapping import TEXT_LIMIT, keyboard, layout, render, to_inbound
from bot.transports.text import parse_command, split_text
from tests.fakes import telegram_api as fake

REFERENCE = Path(__file__).resolve().parents[1] / "fixtures" / "telegram"
BOT = Bot("123456789:AAFakeTokenForTestsOnly")


def payload(name: str) -> dict[str, Any]:
    return json.loads((REFERENCE / name).read_text())


def modernise(data: Any) -> Any:
    """Fill fields the docs' legacy examples predate (is_bot, file_unique_id), as PTB needs."""
    data = copy.deepcopy(data)

    def walk(node: Any, key: str = "") -> None:
        if isinstance(node, dict):
            if key in {"from", "user"}:
                node.setdefault("is_bot", False)
            if key == "callback_query":
                node.setdefault("chat_instance", "0")
            if "file_id" in node:
                node.setdefault("file_unique_id", "AgAD" + node["file_id"][-6:])
            for child_key, value in node.items():
                walk(value, child_key)
        elif isinstance(node, list):
            for value in node:
                walk(value, key)

    walk(data)
    return data


def inbound_of(data: dict[str, Any]):
    return to_inbound(Update.de_json(modernise({"update_id": 1, **data}), BOT))


def test_private_text_is_text() -> None:
    """A plain message in a private chat is TEXT with string ids and the user's language."""
    inbound = inbound_of(payload("message_text_private.json"))
    assert inbound is not None
    assert (inbound.platform, inbound.kind, inbound.text) == ("telegram", InboundKind.TEXT, "4")
    assert (inbound.user_id, inbound.chat_id) == ("408258968", "408258968")
    assert inbound.update_id == "306197398"
    assert inbound.locale_hint == "en"


@pytest.mark.parametrize(
    ("name", "command", "args"),
    [
        ("command_start_with_entities.json", "start", ""),
        ("command_start_deeplink_with_entities.json", "start", "consulta2025"),
        ("message_text_docs_example.json", "start", ""),  # legacy: no bot_command entity
    ],
)
def test_commands(name: str, command: str, args: str) -> None:
    """/start, with or without entity, and a deep-link payload as args."""
    inbound = inbound_of(payload(name))
    assert inbound is not None
    assert (inbound.kind, inbound.command, inbound.args) == (InboundKind.COMMAND, command, args)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/Start@consult_test_bot", ("start", "")),
        ("/answers   2 ", ("answers", "2")),
        ("/export csv\nlac", ("export", "csv\nlac")),
        ("hello /start", None),
        ("/", None),
        ("/ start", None),
    ],
)
def test_parse_command(text: str, expected: tuple[str, str] | None) -> None:
    """The bot username suffix goes, the name is lower-cased, the rest is args."""
    assert parse_command(text) == expected


def test_callback_is_choice_with_label() -> None:
    """A button tap is CHOICE with the callback data, and the tapped label as text."""
    inbound = inbound_of(payload("callback_query_inline_keyboard.json"))
    assert inbound is not None
    assert (inbound.kind, inbound.choice, inbound.text) == (
        InboundKind.CHOICE,
        "button2",
        "Button 2",
    )
    assert (inbound.user_id, inbound.chat_id, inbound.locale_hint) == ("100001", "100001", "en")


def test_voice_is_attachment() -> None:
    """A voice note is an ATTACHMENT of kind voice, not yet fetched."""
    inbound = inbound_of(payload("message_voice_aiogram_dataset.json"))
    assert inbound is not None and inbound.attachment is not None
    assert inbound.kind == InboundKind.ATTACHMENT
    ref = inbound.attachment
    assert (ref.kind, ref.platform_file_id, ref.mime_type, ref.size) == (
        "voice",
        "AwADawAgADADy_JxS2gopIVIIxlhAg",
        "audio/ogg",
        4321,
    )
    assert ref.stored_path is None


def test_document_is_attachment_with_caption() -> None:
    """A document keeps its name, type and size, and its caption as text."""
    data = fake.document_update(7, "BQACfile000001", "aportes.pdf", 2048, caption="Sesión 1")
    inbound = inbound_of(data)
    assert inbound is not None and inbound.attachment is not None
    assert (inbound.kind, inbound.text) == (InboundKind.ATTACHMENT, "Sesión 1")
    assert (inbound.attachment.kind, inbound.attachment.filename) == ("document", "aportes.pdf")
    assert inbound.attachment.mime_type == "application/pdf"


@pytest.mark.parametrize(
    "name", ["message_photo_with_caption.json", "message_photo_with_caption_aiogram_dataset.json"]
)
def test_photo_is_unsupported(name: str) -> None:
    """A photo is not an answer the consultation takes: UNSUPPORTED."""
    inbound = inbound_of(payload(name))
    assert inbound is not None and inbound.kind == InboundKind.UNSUPPORTED


def test_sticker_is_unsupported() -> None:
    """Stickers get the 'not understood' path too."""
    sticker = {
        "file_id": "CAACAgIAAxkBAAI",
        "file_unique_id": "AgADsticker",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "type": "regular",
    }
    inbound = inbound_of({"update_id": 5, "message": fake.message(9, sticker=sticker)})
    assert inbound is not None and inbound.kind == InboundKind.UNSUPPORTED


@pytest.mark.parametrize(
    "name", ["edited_message_aiogram_dataset.json", "edited_message_docs_example.json"]
)
def test_edited_message_is_edit(name: str) -> None:
    """An edited message is EDIT carrying the new text."""
    data = payload(name)
    inbound = inbound_of(data)
    assert inbound is not None
    assert (inbound.kind, inbound.text) == (InboundKind.EDIT, data["edited_message"]["text"])


def test_blocking_is_blocked() -> None:
    """my_chat_member member -> kicked in a private chat is BLOCKED."""
    inbound = inbound_of(payload("my_chat_member_bot_blocked_by_user.json"))
    assert inbound is not None and inbound.kind == InboundKind.BLOCKED


def test_unblocking_is_unblocked() -> None:
    """kicked -> member is UNBLOCKED; other membership changes are ignored."""
    assert inbound_of(fake.membership_update(5, "kicked", "member")).kind == InboundKind.UNBLOCKED
    assert inbound_of(fake.membership_update(5, "left", "kicked")) is None


@pytest.mark.parametrize(
    "name",
    [
        "message_group_command_with_entities.json",
        "message_supergroup_command_with_entities.json",
        "message_supergroup_text.json",
    ],
)
def test_group_messages_are_group(name: str) -> None:
    """Anything said in a group, commands included, is GROUP addressed to the group chat."""
    data = payload(name)
    inbound = inbound_of(data)
    assert inbound is not None
    assert inbound.kind == InboundKind.GROUP
    assert inbound.chat_id == str(data["message"]["chat"]["id"])


def test_inline_mode_callback_without_message_is_choice() -> None:
    """The docs' inline-mode callback (no message) still maps to the user's chat."""
    inbound = inbound_of(payload("callback_query_docs_example.json"))
    assert inbound is not None
    assert (inbound.kind, inbound.choice, inbound.chat_id) == (
        InboundKind.CHOICE,
        "Data from button callback",
        "1111111",
    )


def test_update_types_the_bot_ignores() -> None:
    """An inline query is nothing the bot answers."""
    data = {
        "update_id": 3,
        "inline_query": {"id": "1", "from": fake.user(3), "query": "x", "offset": ""},
    }
    assert inbound_of(data) is None


# ---------------------------------------------------------------------------- render


def test_split_short_text_is_one_chunk() -> None:
    """Text within the limit is sent as is."""
    assert split_text("Hola.", TEXT_LIMIT) == ["Hola."]
    assert split_text("", TEXT_LIMIT) == []


def test_split_prefers_paragraphs() -> None:
    """A long reply breaks between paragraphs, not inside one."""
    paragraph = ("Una frase del informe. " * 60).strip()  # about 1,400 characters
    text = "\n\n".join([paragraph] * 5)
    chunks = split_text(text, TEXT_LIMIT)
    assert all(len(chunk) <= 4096 for chunk in chunks)
    assert all(chunk.endswith("informe.") for chunk in chunks)
    assert "\n\n".join(chunks) == text


def test_split_falls_back_to_sentences_then_words() -> None:
    """One huge paragraph breaks after a sentence; a sentence-less one at a space."""
    sentences = "Primera idea clara. " * 400
    chunks = split_text(sentences, TEXT_LIMIT)
    assert all(len(c) <= 4096 and c.endswith(".") for c in chunks)
    words = "palabra " * 1000
    assert all(len(c) <= 4096 and not c.endswith(" ") for c in split_text(words, TEXT_LIMIT))
    assert [len(c) for c in split_text("x" * 9000, TEXT_LIMIT)] == [4096, 4096, 808]


def test_split_respects_a_smaller_limit() -> None:
    """The limit is a parameter, so captions can reuse it."""
    assert split_text("uno. dos. tres.", limit=9) == ["uno. dos.", "tres."]


def test_render_long_reply_puts_buttons_on_last_chunk() -> None:
    """The keyboard rides on the last part, where the user reads the question."""
    reply = Reply(text="Párrafo largo. " * 600, choices=(Choice("Sí", "y"), Choice("No", "n")))
    calls = render(reply)
    assert len(calls) == 3
    assert all(call["method"] == "send_message" for call in calls)
    assert "reply_markup" not in calls[0] and "reply_markup" in calls[-1]


def test_render_document_with_caption() -> None:
    """A short text becomes the caption of the document."""
    reply = Reply(text="Export", document=Document("inputs.csv", b"a,b\n", "text/csv"))
    [call] = render(reply)
    assert call == {
        "method": "send_document",
        "document": b"a,b\n",
        "filename": "inputs.csv",
        "caption": "Export",
    }


def test_render_document_with_long_text() -> None:
    """Text over the 1,024-character caption limit goes first, as messages."""
    reply = Reply(text="x" * 2000, document=Document("r.md", b"#"))
    calls = render(reply)
    assert [c["method"] for c in calls] == ["send_message", "send_document"]
    assert "caption" not in calls[1]


def test_keyboard_columns_and_short_rows() -> None:
    """Short labels share rows up to `columns`; long ones get a row each."""
    short = tuple(Choice(label, label) for label in ["es", "en", "pt", "fr", "ht"])
    assert [[c.label for c in row] for row in layout(short, 2)] == [
        ["es", "en"],
        ["pt", "fr"],
        ["ht"],
    ]
    long = tuple(
        Choice(n, str(i)) for i, n in enumerate(["Trinidad y Tobago", "San Vicente", "Perú"])
    )
    assert [len(row) for row in layout(long, 3)] == [1, 2]


def test_keyboard_carries_callback_data() -> None:
    """Buttons keep the engine's callback data."""
    markup = keyboard((Choice("Español", "lang:es"),), 2)
    assert markup is not None
    assert markup.inline_keyboard[0][0].callback_data == "lang:es"
    assert keyboard(()) is None


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("429_too_many_requests_retry_after.json", fake.too_many_requests(9)),
        ("403_forbidden_bot_was_blocked_by_the_user.json", fake.BOT_BLOCKED),
        ("400_bad_request_message_is_too_long.json", fake.MESSAGE_TOO_LONG),
        ("400_bad_request_button_data_invalid.json", fake.BUTTON_DATA_INVALID),
    ],
)
def test_fake_errors_are_telegrams(name: str, error: fake.ApiError) -> None:
    """The fake Bot API answers with exactly the error bodies Telegram sends."""
    assert error.body() == payload(f"errors/{name}")
