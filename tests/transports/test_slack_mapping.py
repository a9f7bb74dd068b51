"""The pure Slack mapping: payloads as Slack sends them in, Block Kit kwargs out; no network."""

from __future__ import annotations

import copy
import json
from types import SimpleNamespace
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError

from bot.core.delivery import PermanentFailure, RateLimited, TransientFailure, Unreachable
from bot.core.messages import Choice, Document, InboundKind, Reply
from bot.transports.slack import mapping
from bot.transports.slack.errors import delivery_error

# Shapes copied from tests/fixtures/slack (Slack's message.im docs example and
# bolt-python's scenario tests), trimmed to the fields that matter.
MESSAGE_IM: dict[str, Any] = {
    "token": "one-long-verification-token",
    "team_id": "T123ABC456",
    "api_app_id": "A0PNCHHK2",
    "event": {
        "type": "message",
        "channel": "D024BE91L",
        "user": "U2147483697",
        "text": "Hello hello can you hear me?",
        "ts": "1355517523.000005",
        "event_ts": "1355517523.000005",
        "channel_type": "im",
    },
    "type": "event_callback",
    "event_id": "Ev0PV52K21",
    "event_time": 1355517523,
}

BLOCK_ACTIONS: dict[str, Any] = {
    "type": "block_actions",
    "user": {"id": "W111", "username": "primary-owner", "name": "primary-owner", "team_id": "T111"},
    "api_app_id": "A111",
    "container": {
        "type": "message",
        "message_ts": "111.222",
        "channel_id": "C111",
        "is_ephemeral": True,
    },
    "trigger_id": "111.222.valid",
    "channel": {"id": "C111", "name": "test-channel"},
    "actions": [
        {
            "action_id": "a",
            "block_id": "b",
            "text": {"type": "plain_text", "text": "Button", "emoji": True},
            "value": "click_me_123",
            "type": "button",
            "action_ts": "1596530385.194939",
        }
    ],
}

SLASH_COMMAND: dict[str, Any] = {
    "token": "verification_token",
    "team_id": "T111",
    "channel_id": "C111",
    "channel_name": "random",
    "user_id": "W111",
    "user_name": "primary-owner",
    "command": "/hello-world",
    "text": "Hi",
    "trigger_id": "111.111.xxx",
}


def event_with(**fields: Any) -> dict[str, Any]:
    body = copy.deepcopy(MESSAGE_IM)
    body["event"].update(fields)
    return body


def test_a_direct_message_becomes_text_addressed_to_its_dm() -> None:
    """A message.im event is TEXT from its user, in its DM channel, keyed by event_id."""
    inbound = mapping.message_to_inbound(MESSAGE_IM, locale="es-LA")
    assert inbound.kind == InboundKind.TEXT
    assert (inbound.platform, inbound.user_id, inbound.chat_id) == (
        "slack",
        "U2147483697",
        "D024BE91L",
    )
    assert inbound.update_id == "Ev0PV52K21"
    assert inbound.text == "Hello hello can you hear me?"
    assert inbound.locale_hint == "es"


@pytest.mark.parametrize(
    ("text", "command", "args"),
    [
        ("/consult", "consult", ""),
        ("/Answers  2", "answers", "2"),
        ("/language pt", "language", "pt"),
    ],
)
def test_text_starting_with_a_slash_is_a_command(text: str, command: str, args: str) -> None:
    """Slack lets " /consult" through as text; it is the same command as on Telegram."""
    inbound = mapping.message_to_inbound(event_with(text=text))
    assert (inbound.kind, inbound.command, inbound.args) == (InboundKind.COMMAND, command, args)


def test_slack_formatting_is_undone() -> None:
    """Auto-linked e-mail addresses and escaped characters come back as the user typed them."""
    text = "<mailto:ana@red.org|ana@red.org> &amp; <http://red.org|red.org> &lt;3"
    assert mapping.plain_text(text) == "ana@red.org & red.org <3"


@pytest.mark.parametrize(
    "fields",
    [
        {"bot_id": "B999", "subtype": "bot_message"},
        {"user": "UBOT"},
        {"subtype": "message_deleted", "hidden": True},
        {
            "subtype": "message_changed",
            "hidden": True,
            "message": {"user": "UBOT", "text": "new", "ts": "1.1"},
            "previous_message": {"user": "UBOT", "text": "old", "ts": "1.1"},
        },
        {
            "subtype": "message_changed",
            "hidden": True,
            "message": {"user": "U1", "text": "same", "ts": "1.1", "attachments": [{}]},
            "previous_message": {"user": "U1", "text": "same", "ts": "1.1"},
        },
    ],
    ids=["other-bot", "own-user", "deleted", "own-edit", "unfurl"],
)
def test_what_needs_no_answer_is_ignored(fields: dict[str, Any]) -> None:
    """The bot's own posts and edits, deletions and link unfurls are not the user speaking."""
    assert mapping.is_ignored(event_with(**fields)["event"], bot_user_id="UBOT")


def test_a_users_edit_is_an_edit_of_the_original_message() -> None:
    """message_changed by the user is EDIT, with the edited message's ts as its reference."""
    body = event_with(
        subtype="message_changed",
        hidden=True,
        message={"user": "U1", "text": "new answer", "ts": "10.5"},
        previous_message={"user": "U1", "text": "old answer", "ts": "10.5"},
    )
    assert not mapping.is_ignored(body["event"], bot_user_id="UBOT")
    inbound = mapping.message_to_inbound(body)
    assert (inbound.kind, inbound.user_id, inbound.text) == (InboundKind.EDIT, "U1", "new answer")
    assert getattr(inbound, "message_ref", "10.5") == "10.5"


def test_other_subtypes_are_unsupported() -> None:
    """A /me message or any other subtype gets the engine's "not supported" answer."""
    body = event_with(subtype="me_message")
    assert not mapping.is_ignored(body["event"])
    assert mapping.message_to_inbound(body).kind == InboundKind.UNSUPPORTED


def test_a_message_outside_a_dm_is_a_group_message() -> None:
    """The bot consults only in DMs; a channel message is marked GROUP."""
    inbound = mapping.message_to_inbound(event_with(channel="C1", channel_type="channel"))
    assert inbound.kind == InboundKind.GROUP


def test_a_shared_file_is_an_attachment_with_its_stored_path() -> None:
    """file_share carries the file's id, name, type and size, plus where the adapter saved it."""
    file = {"id": "F1", "name": "aporte.pdf", "mimetype": "application/pdf", "size": 12}
    body = event_with(subtype="file_share", files=[file], text="our input")
    inbound = mapping.message_to_inbound(body, stored_path="/data/slack/F1-aporte.pdf")
    assert inbound.kind == InboundKind.ATTACHMENT
    assert inbound.text == "our input"
    assert inbound.attachment is not None
    assert inbound.attachment.platform_file_id == "F1"
    assert inbound.attachment.kind == "document"
    assert inbound.attachment.stored_path == "/data/slack/F1-aporte.pdf"


def test_an_audio_clip_is_a_voice_attachment() -> None:
    """A clip recorded in Slack counts as a voice answer, as a Telegram voice note does."""
    file = {"id": "F2", "name": "clip.webm", "mimetype": "audio/webm", "subtype": "slack_audio"}
    assert mapping.attachment_ref(file, None).kind == "voice"


def test_a_file_stub_needs_files_info() -> None:
    """Slack sometimes sends file_access=check_file_info instead of the file (2026-11)."""
    assert mapping.needs_file_info({"id": "F1", "file_access": "check_file_info"})
    assert not mapping.needs_file_info({"id": "F1", "url_private": "https://files.slack.com/x"})


def test_a_button_press_is_a_choice_keyed_by_action_ts_and_user() -> None:
    """block_actions gives the button's value as the choice, from the container's channel."""
    inbound = mapping.action_to_inbound(BLOCK_ACTIONS, locale="pt-BR")
    assert inbound is not None
    assert (inbound.kind, inbound.choice, inbound.chat_id) == (
        InboundKind.CHOICE,
        "click_me_123",
        "C111",
    )
    assert inbound.update_id == "1596530385.194939:W111"
    assert inbound.locale_hint == "pt"


def test_a_select_pick_is_a_choice() -> None:
    """A static_select's chosen option is a choice like a button."""
    body = copy.deepcopy(BLOCK_ACTIONS)
    body["actions"] = [
        {
            "type": "static_select",
            "action_id": "select-0",
            "block_id": "choices-select",
            "selected_option": {"text": {"type": "plain_text", "text": "Chile"}, "value": "c:CL"},
            "action_ts": "1.2",
        }
    ]
    inbound = mapping.action_to_inbound(body)
    assert inbound is not None
    assert (inbound.choice, inbound.text) == ("c:CL", "Chile")


def test_a_slash_command_is_answered_in_the_dm() -> None:
    """A slash command typed in any channel becomes a COMMAND whose replies go to the bot's DM."""
    inbound = mapping.command_to_inbound(SLASH_COMMAND, dm_channel="D111")
    assert (inbound.kind, inbound.command, inbound.args) == (
        InboundKind.COMMAND,
        "hello-world",
        "Hi",
    )
    assert (inbound.chat_id, inbound.update_id, inbound.user_id) == ("D111", "111.111.xxx", "W111")


@pytest.mark.parametrize(
    ("locale", "language"), [("es-LA", "es"), ("pt-BR", "pt"), ("en-US", "en"), (None, None)]
)
def test_slack_locales_become_languages(locale: str | None, language: str | None) -> None:
    """users.info's locale is offered to the engine as a bare language code."""
    assert mapping.language_of(locale) == language


def test_a_few_choices_are_buttons_with_unique_action_ids() -> None:
    """Up to eight choices are buttons; each carries its callback data as value."""
    reply = Reply("¿Acepta?", choices=(Choice("Sí", "yes"), Choice("No", "no")))
    rendered = mapping.render(reply)
    actions = [b for b in rendered["blocks"] if b["type"] == "actions"]
    elements = actions[0]["elements"]
    assert [e["value"] for e in elements] == ["yes", "no"]
    assert len({e["action_id"] for e in elements}) == 2
    assert rendered["text"] == "¿Acepta?"


def test_a_long_list_is_a_static_select() -> None:
    """Countries and other long lists become a select; over 100 options, several selects."""
    choices = tuple(Choice(f"Country {n}", f"c:{n}") for n in range(150))
    rendered = mapping.render(Reply("Country?", choices=choices))
    selects = rendered["blocks"][-1]["elements"]
    assert [s["type"] for s in selects] == ["static_select", "static_select"]
    assert sum(len(s["options"]) for s in selects) == 150


def test_long_text_is_split_into_sections_within_the_limit() -> None:
    """Section text stays under 3,000 characters, escaped, without losing words."""
    text = ("palabra " * 1000).strip() + " <fin> & más"
    blocks = mapping.render(Reply(text))["blocks"]
    assert len(blocks) >= 3
    assert all(len(b["text"]["text"]) <= mapping.SECTION_LIMIT for b in blocks)
    joined = " ".join(b["text"]["text"] for b in blocks)
    assert joined.endswith("&lt;fin&gt; &amp; más")
    assert joined.count("palabra") == 1000


def test_long_labels_are_shortened() -> None:
    """Slack refuses button text over 75 characters."""
    reply = Reply("?", choices=(Choice("x" * 120, "long"),))
    button = mapping.render(reply)["blocks"][-1]["elements"][0]
    assert len(button["text"]["text"]) == mapping.LABEL_LIMIT


def test_a_document_is_uploaded_with_its_text_as_comment() -> None:
    """A document without buttons travels as one upload; with buttons, a message comes too."""
    reply = Reply("Your export", document=Document("export.csv", b"a,b\n", "text/csv"))
    assert not mapping.needs_message(reply)
    upload = mapping.render_upload(reply, "D1")
    assert upload == {
        "channel": "D1",
        "content": b"a,b\n",
        "filename": "export.csv",
        "title": "export.csv",
        "initial_comment": "Your export",
    }
    with_buttons = Reply("Your export", (Choice("OK", "ok"),), document=reply.document)
    assert mapping.needs_message(with_buttons)
    assert "initial_comment" not in (mapping.render_upload(with_buttons, "D1") or {})


def test_a_pressed_message_loses_its_buttons_and_shows_the_choice() -> None:
    """chat.update keeps the question, drops the actions and adds what was chosen."""
    body = copy.deepcopy(BLOCK_ACTIONS)
    body["container"]["is_ephemeral"] = False
    body["message"] = {
        "ts": "111.222",
        "text": "¿Acepta?",
        **mapping.render(Reply("¿Acepta?", choices=(Choice("Sí", "yes"), Choice("No", "no")))),
    }
    body["actions"][0].update(value="yes", text={"type": "plain_text", "text": "Sí"})
    update = mapping.closed_message(body)
    assert update is not None
    assert (update["channel"], update["ts"]) == ("C111", "111.222")
    assert [b["type"] for b in update["blocks"]] == ["section", "context"]
    assert "Sí" in update["blocks"][-1]["elements"][0]["text"]


def test_an_ephemeral_message_is_not_updated() -> None:
    """Ephemeral messages cannot be changed with chat.update."""
    assert mapping.closed_message(BLOCK_ACTIONS) is None


def slack_error(status: int, error: str, headers: dict[str, str] | None = None) -> SlackApiError:
    response = SimpleNamespace(
        status_code=status, data={"ok": False, "error": error}, headers=headers or {}
    )
    response.get = response.data.get
    return SlackApiError("refused", response)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (slack_error(429, "ratelimited", {"retry-after": "7"}), RateLimited),
        (slack_error(200, "account_inactive"), Unreachable),
        (slack_error(200, "channel_not_found"), Unreachable),
        (slack_error(200, "cannot_dm_bot"), Unreachable),
        (slack_error(200, "invalid_blocks"), PermanentFailure),
        (slack_error(503, "service_unavailable"), TransientFailure),
        (slack_error(200, "internal_error"), TransientFailure),
    ],
)
def test_slack_refusals_become_delivery_outcomes(error: SlackApiError, expected: type) -> None:
    """429 waits, a gone account is unreachable, server trouble retries, the rest is final."""
    outcome = delivery_error(error)
    assert type(outcome) is expected
    if isinstance(outcome, RateLimited):
        assert outcome.retry_after == 7


def test_a_redrawn_question_is_recognised_by_its_block_id() -> None:
    """The same question again (key and text) refreshes the pressed message; another does not."""
    question = Reply("Pick objectives", (Choice("O14", "t:14"), Choice("Done", "t:done")), key="q")
    body = copy.deepcopy(BLOCK_ACTIONS)
    body["container"]["is_ephemeral"] = False
    body["message"] = {"ts": "111.222", **mapping.render(question)}
    body["actions"][0]["block_id"] = body["message"]["blocks"][-1]["block_id"]
    ticked = Reply("Pick objectives", (Choice("✓ O14", "t:14"), Choice("Done", "t:done")), key="q")
    assert mapping.refreshes(body, ticked)
    assert not mapping.refreshes(body, Reply("Saved.", key="answer.saved"))
    assert not mapping.refreshes(body, Reply("Next question", ticked.choices, key="q"))
    update = mapping.refreshed_message(body, ticked)
    assert update is not None and (update["channel"], update["ts"]) == ("C111", "111.222")
    assert "✓ O14" in json.dumps(update["blocks"], ensure_ascii=False)
