"""Bad input: a short reply in the stakeholder's language, and no stored data changes."""

from __future__ import annotations

import dataclasses
import logging

import pytest
from sqlalchemy import select

from bot.core.messages import AttachmentRef, InboundKind
from bot.engine.engine import Engine
from handlers import router
from storage.models import Answer, Conversation, Stakeholder
from tests.dialog import Dialog, answer_current, register


async def _snapshot(engine: Engine) -> tuple:
    """Everything a bad input must leave alone: profile, answers and the conversation."""
    async with engine.database.transaction() as session:
        stakeholders = [
            (s.organization, s.email, s.country, s.language, s.reminders_opt_in)
            for s in await session.scalars(select(Stakeholder).order_by(Stakeholder.id))
        ]
        answers = [
            (a.question_key, a.revision, a.value)
            for a in await session.scalars(select(Answer).order_by(Answer.id))
        ]
        conversations = [
            (c.flow, c.step, c.draft) for c in await session.scalars(select(Conversation))
        ]
    return stakeholders, answers, conversations


async def _at_text_question(engine: Engine, language: str = "en") -> Dialog:
    dialog = Dialog(engine)
    await register(dialog, language=language)
    await dialog.command("/consult inclusion")
    await answer_current(dialog)
    return dialog


BAD_INPUTS = [
    ("sticker", dict(kind=InboundKind.UNSUPPORTED), "error.expected"),
    ("photo", dict(kind=InboundKind.UNSUPPORTED), "error.expected"),
    ("file where text", dict(kind=InboundKind.ATTACHMENT), "error.expected"),
    ("empty", dict(kind=InboundKind.TEXT, text="   "), "error.empty"),
    ("over-long", dict(kind=InboundKind.TEXT, text="x" * 20_001), "error.long"),
    (
        "unknown command",
        dict(kind=InboundKind.COMMAND, command="frobnicate"),
        "error.unknown_command",
    ),
    ("old button", dict(kind=InboundKind.CHOICE, choice="abcdef:o:finance"), "error.stale"),
    ("admin command", dict(kind=InboundKind.COMMAND, command="export"), "error.forbidden"),
]


@pytest.mark.parametrize(("name", "values", "key"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
@pytest.mark.parametrize("language", ["en", "es"])
async def test_bad_input_at_a_text_question(
    sqlite_engine: Engine, name: str, values: dict, key: str, language: str
) -> None:
    """Each bad input gets its short reply in the stakeholder's language and changes nothing."""
    dialog = await _at_text_question(sqlite_engine, language)
    before = await _snapshot(sqlite_engine)
    await _send_bad(dialog, values)
    assert dialog.keys[0] == key
    assert await _snapshot(sqlite_engine) == before
    if language == "es":
        assert not dialog.text.startswith(("I ", "That", "Sorry", "Please"))


async def test_bad_inputs_change_nothing_on_both_backends(engine: Engine) -> None:
    """The same bad inputs, one after another, leave the database as it was on each backend."""
    dialog = await _at_text_question(engine)
    before = await _snapshot(engine)
    for _name, values, key in BAD_INPUTS:
        await _send_bad(dialog, values)
        assert dialog.keys[0] == key
    assert await _snapshot(engine) == before


async def _send_bad(dialog: Dialog, values: dict) -> None:
    values = dict(values)
    kind = values.pop("kind")
    if kind == InboundKind.ATTACHMENT:
        values["attachment"] = AttachmentRef(platform_file_id="f1", kind="document")
    await dialog.send_kind(kind, **values)


async def test_invalid_email_in_profile_changes_nothing(engine: Engine) -> None:
    """An invalid email typed in /profile is refused and the stored email stays."""
    dialog = Dialog(engine)
    await register(dialog)
    await dialog.command("/profile")
    await dialog.tap("Contact email")
    before = await _snapshot(engine)
    await dialog.say("not-an-email")
    assert dialog.keys == ["error.email"]
    assert await _snapshot(engine) == before


async def test_over_long_organization_is_refused(engine: Engine) -> None:
    """An organization name over 200 characters is refused with the limit."""
    dialog = Dialog(engine)
    await dialog.command("/start")
    await dialog.tap("English")
    await dialog.tap("I agree")
    await dialog.say("x" * 201)
    assert dialog.keys == ["error.long"] and "200" in dialog.text
    await dialog.say("")
    assert dialog.keys == ["error.short"]


async def test_stale_button_from_earlier_question(engine: Engine) -> None:
    """A button of an earlier question is refused and the current question asked again."""
    dialog = Dialog(engine)
    await register(dialog)
    await dialog.command("/consult inclusion")
    old = dialog.button("14")
    await answer_current(dialog)
    before = await _snapshot(engine)
    await dialog.tap_data(old.data)
    assert dialog.keys[0] == "error.stale" and dialog.keys[1].startswith("ask.question")
    assert await _snapshot(engine) == before


async def test_unexpected_error_apologises_and_logs_update(
    sqlite_engine: Engine, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug in a flow is logged with the update id; the user gets an apology and can go on."""
    dialog = Dialog(sqlite_engine)
    await register(dialog)
    before = await _snapshot(sqlite_engine)

    async def broken(ctx) -> None:
        raise RuntimeError("boom")

    flows = dict(router.FLOWS)
    flows["roadmap"] = dataclasses.replace(flows["roadmap"], start=broken)
    monkeypatch.setattr(router, "FLOWS", flows)
    with caplog.at_level(logging.ERROR, logger="bot.engine.engine"):
        await dialog.command("/roadmap", update_id="update-42")
    assert dialog.keys == ["error.internal"]
    assert "update-42" in caplog.text and "boom" in caplog.text
    assert await _snapshot(sqlite_engine) == before
    monkeypatch.undo()
    await dialog.command("/roadmap")
    assert dialog.keys == ["roadmap"]
