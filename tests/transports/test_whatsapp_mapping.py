"""The pure WhatsApp mapping: webhook payloads in, pywa calls out, Cloud API codes to outcomes."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from bot.core.delivery import (
    OutsideWindow,
    PermanentFailure,
    RateLimited,
    TransientFailure,
    Unreachable,
)
from bot.core.messages import Choice, Document, InboundKind, Reply
from bot.transports.whatsapp import mapping
from bot.transports.whatsapp.errors import delivery_error
from tests.fakes import whatsapp_api as fake

PHONE = fake.PHONE_NUMBER_ID
WA_ID = "5215512345678"

# Meta's documented example of a text message (messages webhook reference, updated 2026-06):
# no BSUID in `contacts`, which pywa 4.5's typed updates cannot read.
META_TEXT_EXAMPLE = {
    "object": "whatsapp_business_account",
    "entry": [
        {
            "id": "102290129340398",
            "changes": [
                {
                    "value": {
                        "messaging_product": "whatsapp",
                        "metadata": {
                            "display_phone_number": "15550783881",
                            "phone_number_id": "106540352242922",
                        },
                        "contacts": [
                            {"profile": {"name": "Sheena Nelson"}, "wa_id": "16505551234"}
                        ],
                        "messages": [
                            {
                                "from": "16505551234",
                                "id": "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=",  # noqa: E501
                                "timestamp": "1749416383",
                                "type": "text",
                                "text": {"body": "Does it come in another color?"},
                            }
                        ],
                    },
                    "field": "messages",
                }
            ],
        }
    ],
}


def one(payload: dict) -> mapping.Received:
    [received] = mapping.parse(payload, PHONE).messages
    return received


def test_meta_text_example_becomes_text_from_its_wa_id() -> None:
    """Meta's own example maps to a TEXT from the sender, update id the message id, time read."""
    received = one(META_TEXT_EXAMPLE)
    inbound = received.inbound
    assert (inbound.kind, inbound.text) == (InboundKind.TEXT, "Does it come in another color?")
    assert inbound.user_id == inbound.chat_id == "16505551234"
    assert inbound.update_id.startswith("wamid.HBgL")
    assert received.at == dt.datetime(2025, 6, 8, 20, 59, 43, tzinfo=dt.UTC)
    assert inbound.locale_hint == "en"  # +1


def test_a_slash_command_is_a_command() -> None:
    """`/consult inclusion` typed in WhatsApp is the command with its argument."""
    inbound = one(fake.text(WA_ID, "/Consult inclusion")).inbound
    assert (inbound.kind, inbound.command, inbound.args) == (
        InboundKind.COMMAND,
        "consult",
        "inclusion",
    )


def test_button_and_list_replies_are_choices() -> None:
    """A reply button's and a list row's id is the choice's data; the title is the text."""
    button = one(fake.button_reply(WA_ID, "a1b2c3:yes", "Sí", context="wamid.X")).inbound
    row = one(fake.list_reply(WA_ID, "a1b2c3:JM", "Jamaica", "Jamaica")).inbound
    assert (button.kind, button.choice, button.text) == (InboundKind.CHOICE, "a1b2c3:yes", "Sí")
    assert (row.kind, row.choice, row.text) == (InboundKind.CHOICE, "a1b2c3:JM", "Jamaica")


def test_files_are_attachments_and_a_voice_note_is_voice() -> None:
    """Document keeps its name; voice=true audio is a voice note; a photo is kept as a document."""
    document = one(fake.document(WA_ID, "111", "plan.pdf", "application/pdf", "Our plan")).inbound
    voice = one(fake.voice(WA_ID, "222")).inbound
    photo = one(fake.image(WA_ID, "333")).inbound
    assert document.kind == voice.kind == photo.kind == InboundKind.ATTACHMENT
    assert document.text == "Our plan"
    refs = [(i.attachment.kind, i.attachment.filename) for i in (document, voice, photo)]  # type: ignore[union-attr]  # found above
    assert refs == [("document", "plan.pdf"), ("voice", "voice.ogg"), ("document", "image.jpg")]
    assert voice.attachment.platform_file_id == "222"  # type: ignore[union-attr]  # found above


def test_reactions_are_ignored_and_stickers_unsupported() -> None:
    """A reaction needs no answer; a sticker gets "I can't use that kind of message"."""
    reaction = {"type": "reaction", "reaction": {"message_id": "wamid.Y", "emoji": "👍"}}
    sticker = {"type": "sticker", "sticker": {"mime_type": "image/webp", "id": "9"}}
    assert mapping.parse(fake.message_notification(WA_ID, reaction), PHONE).messages == ()
    assert one(fake.message_notification(WA_ID, sticker)).inbound.kind == InboundKind.UNSUPPORTED


def test_other_numbers_and_fields_are_left_alone() -> None:
    """A change for another phone number of the account, or another field, yields nothing."""
    other = fake.text(WA_ID, "hola")
    other["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = "999"
    template_update = {"entry": [{"changes": [{"field": "message_template_status_update"}]}]}
    assert mapping.parse(other, PHONE) == mapping.Notification()
    assert mapping.parse(template_update, PHONE) == mapping.Notification()


def test_a_user_with_a_username_only_is_known_by_bsuid() -> None:
    """Without a phone number (usernames, 2026) the business-scoped user id is the address."""
    payload = fake.text(WA_ID, "hola")
    value = payload["entry"][0]["changes"][0]["value"]
    del value["messages"][0]["from"]
    value["messages"][0]["from_user_id"] = "MX.1349120865"
    value["contacts"] = [{"profile": {"name": "Ana"}, "user_id": "MX.1349120865"}]
    inbound = one(payload).inbound
    assert inbound.user_id == inbound.chat_id == "MX.1349120865"
    assert inbound.locale_hint is None


def test_failed_status_carries_code_and_tracker() -> None:
    """A failed report names the error and echoes biz_opaque_callback_data."""
    call = fake.Call({"to": WA_ID, "biz_opaque_callback_data": "broadcast:3:7"}, None, "wamid.Z")
    [status] = mapping.parse(fake.status(call, "failed", fake.RE_ENGAGEMENT, at=0), PHONE).statuses
    assert (status.status, status.tracker, status.error_code) == ("failed", "broadcast:3:7", 131047)
    assert status.message_id == "wamid.Z" and status.recipient == WA_ID
    assert "24 hours" in status.error_detail


@pytest.mark.parametrize(
    ("number", "language"),
    [("5215512345678", "es"), ("5511987654321", "pt"), ("50937001234", "fr"), ("18095551234", "es"),
     ("18765551234", "en"), ("447700900000", None)],
)  # fmt: skip
def test_language_hint_from_the_calling_code(number: str, language: str | None) -> None:
    """Mexico and Dominican Republic Spanish, Brazil Portuguese, Haiti French, Jamaica English."""
    assert mapping.language_hint(number) == language


def test_signature_is_the_hmac_of_the_raw_body() -> None:
    """Only sha256=HMAC(app secret, exact body) passes."""
    body = json.dumps(fake.text(WA_ID, "hola")).encode()
    header = fake.sign(body)
    assert mapping.signature_valid(fake.APP_SECRET, body, header)
    assert not mapping.signature_valid(fake.APP_SECRET, body + b"\n", header)
    assert not mapping.signature_valid("another", body, header)
    assert not mapping.signature_valid(fake.APP_SECRET, body, header.removeprefix("sha256="))
    assert not mapping.signature_valid(fake.APP_SECRET, body, None)


# ----------------------------------------------------------------------------- outbound


def choices(*labels: str) -> tuple[Choice, ...]:
    return tuple(Choice(label, f"t0k3n:{n}") for n, label in enumerate(labels))


def payload(call: dict) -> dict:
    """The JSON pywa will post for a send_message call with buttons."""
    buttons = call["buttons"]
    if isinstance(buttons, list):
        return {"type": "button", "buttons": [b.to_dict() for b in buttons]}
    return {"type": "list", **buttons.to_dict()}


def test_up_to_three_short_choices_are_reply_buttons() -> None:
    """Two or three labels of 20 characters or less are buttons with the choice data as ids."""
    [call] = mapping.render(Reply("Do you agree?", choices("I agree", "No, thank you")))
    assert call["text"] == "Do you agree?"
    assert [(b.title, b.callback_data) for b in call["buttons"]] == [
        ("I agree", "t0k3n:0"),
        ("No, thank you", "t0k3n:1"),
    ]


def test_a_label_over_20_characters_makes_a_list_with_the_whole_label_below() -> None:
    """Buttons would cut it; a list row shows 24 characters and the rest as its description."""
    long = "Yes, you may name our organization"
    [call] = mapping.render(Reply("Attribution?", choices(long, "No")), mapping.Labels("Elegir"))
    menu = payload(call)
    assert menu["type"] == "list" and menu["button"] == "Elegir"
    [row, _no] = menu["sections"][0]["rows"]
    assert len(row["title"]) <= 24 and row["title"].endswith("…")
    assert row["description"] == long


def test_four_to_ten_choices_are_one_list() -> None:
    """Up to ten rows fit one list message, with no "more" row."""
    [call] = mapping.render(Reply("Pick", choices(*(f"Option {n}" for n in range(10)))))
    rows = payload(call)["sections"][0]["rows"]
    assert len(rows) == 10 and not any(r["id"].startswith(mapping.MORE) for r in rows)


def test_a_long_list_is_paged_nine_at_a_time() -> None:
    """27 choices: pages of nine plus "More options", the last page nine with no "more"."""
    many = choices(*(f"Country {n}" for n in range(27)))
    labels = mapping.Labels("Choose", "More options")
    pages = [
        payload(mapping.render(Reply("Country?", many), labels, page)[0]) for page in (0, 1, 2)
    ]
    rows = [page["sections"][0]["rows"] for page in pages]
    assert [len(r) for r in rows] == [10, 10, 9]
    assert rows[0][-1] == {"id": "wa-more:1", "title": "More options", "description": "10–27 / 27"}
    assert rows[1][0]["title"] == "Country 9" and rows[1][-1]["id"] == "wa-more:2"
    assert rows[2][-1]["title"] == "Country 26"
    assert mapping.pages(11) == [(0, 9), (9, 11)] and mapping.pages(10) == [(0, 10)]


def test_a_more_tap_asks_for_its_page() -> None:
    """The row's id names the page; other choices are not "more" taps."""
    more = one(fake.list_reply(WA_ID, "wa-more:2", "More options")).inbound
    other = one(fake.list_reply(WA_ID, "a1b2c3:JM", "Jamaica")).inbound
    assert (mapping.more_page(more), mapping.more_page(other)) == (2, None)


def test_render_page_sends_only_the_question_list_at_that_page() -> None:
    """After "more": one message, the list at that page under the question's last part; the
    stale notice and the earlier parts of a long text are not sent again."""
    notice = Reply("That button is from an earlier message.", key="error.stale")
    question = Reply("Intro. " * 300 + "\n\nChoose your country.", choices(*map(str, range(20))))
    [call] = mapping.render_page([notice, question], mapping.Labels(), 1)
    assert len(call["text"]) <= 1024 and call["text"].endswith("Choose your country.")
    assert len(mapping.render(question)) > 2  # the first showing sent the text before it
    assert payload(call)["sections"][0]["rows"][0]["title"] == "9"


def test_long_text_is_split_and_the_buttons_ride_on_a_short_last_part() -> None:
    """Text messages carry at most 4,096 characters, an interactive body at most 1,024."""
    text = ("A sentence of the notice. " * 200).strip()  # 5,199 characters
    calls = mapping.render(Reply(text, choices("I agree", "No")))
    assert all(len(c["text"]) <= 4096 for c in calls) and len(calls[-1]["text"]) <= 1024
    assert "buttons" in calls[-1] and all("buttons" not in c for c in calls[:-1])
    assert " ".join(c["text"] for c in calls).split() == text.split()


def test_a_document_carries_its_text_as_caption() -> None:
    """An export is one document with the caption; buttons, if any, follow in a message."""
    document = Document("export.csv", b"a,b\n", "text/csv")
    [alone] = mapping.render(Reply("Here is the export.", document=document))
    assert alone["method"] == "send_document" and alone["caption"] == "Here is the export."
    with_buttons = mapping.render(Reply("Here.", choices("Menu"), document=document))
    assert [c["method"] for c in with_buttons] == ["send_document", "send_message"]


def test_template_parameter_is_one_line() -> None:
    """Meta refuses newlines, tabs and long runs of spaces in a parameter; it gets one line."""
    call = mapping.template_call("consulta_aviso:es", "es", "Reminder:\tHearing\n\nWhere:  Lima")
    [parameter] = call["params"][0]["parameters"]
    assert call["name"] == "consulta_aviso" and call["language"] == "es"
    assert parameter == {"type": "text", "text": "Reminder: Hearing · Where: Lima"}
    assert len(mapping.template_parameter("x" * 5000)) == mapping.PARAMETER_CHARS


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (fake.RATE_LIMIT, RateLimited),
        (fake.ACCOUNT_RATE_LIMIT, RateLimited),
        (fake.SPAM_RATE_LIMIT, RateLimited),
        (fake.POLICY_BLOCK, RateLimited),
        (fake.PAIR_RATE_LIMIT, TransientFailure),
        (fake.RE_ENGAGEMENT, OutsideWindow),
        (fake.UNDELIVERABLE, Unreachable),
        (fake.OPTED_OUT, Unreachable),
        (fake.SERVICE_UNAVAILABLE, TransientFailure),
        (fake.TEMPLATE_MISSING, PermanentFailure),
        (fake.INVALID_PARAMETER, PermanentFailure),
        (fake.EXPIRED_TOKEN, PermanentFailure),
    ],
)
def test_cloud_api_codes_map_to_outbox_outcomes(error: fake.ApiError, outcome: type) -> None:
    """Rate limits pause, 131047 asks for a template, 131026 is unreachable, 5xx retries."""
    mapped = delivery_error(error.code, error.details, status=error.status)
    assert type(mapped) is outcome
    assert str(error.code) in str(mapped)


def test_throughput_limit_pauses_briefly_and_a_policy_block_long() -> None:
    """130429 waits seconds; a policy block (368) holds the platform for an hour."""
    assert delivery_error(130429, "").retry_after == 5.0  # type: ignore[attr-defined]  # the outcome's own field
    assert delivery_error(368, "").retry_after == 3600.0  # type: ignore[attr-defined]  # the outcome's own field
