"""Text is cleaned once where it enters, and limits are checked there, alike on both backends."""

from __future__ import annotations

from sqlalchemy import select

from bot.core.messages import AttachmentRef, Inbound, InboundKind
from bot.core.text import clean_inbound, clean_text
from bot.engine.engine import Engine
from storage.models import Answer, Attachment, Stakeholder
from tests.dialog import Dialog, at_attachment_question, register

NASTY = "Red\x00 Mi\x0bgrante\x1b[31m\u0007 del Cari\u0301be\r\nok\ud800"


def test_control_characters_go_and_text_is_nfc() -> None:
    """NUL, VT, ESC, BEL and lone surrogates go; newline and tab stay; accents are composed."""
    assert clean_text(NASTY) == "Red Migrante[31m del Caríbe\nok"
    assert clean_text("a\tb\nc\r\nd\re") == "a\tb\nc\nd\ne"
    assert clean_text("Cari\u0301be") == "Car\u00edbe"


def test_the_whole_inbound_is_cleaned() -> None:
    """Text, arguments, a button's data and a file's name are all cleaned, the name shortened."""
    ref = AttachmentRef("f\x00id", "document", filename="i\x0bnforme" + "x" * 300 + ".pdf")
    inbound = Inbound(
        "telegram", "1", "1", "9", InboundKind.ATTACHMENT, text="a\x00b", args="c\x1bd",
        choice="ab12:\x00x", attachment=ref,
    )  # fmt: skip
    cleaned = clean_inbound(inbound)
    assert (cleaned.text, cleaned.args, cleaned.choice) == ("ab", "cd", "ab12:x")
    assert cleaned.attachment is not None
    filename = cleaned.attachment.filename or ""
    assert filename.startswith("informexx") and filename.endswith(".pdf")
    assert len(filename) <= 200 and cleaned.attachment.platform_file_id == "fid"


async def test_a_nul_in_the_organization_is_stored_cleaned(engine: Engine) -> None:
    """A NUL pasted into the name is dropped at the edge, not refused by PostgreSQL."""
    dialog = Dialog(engine)
    await register(dialog, organization="Red\x00 Migrante\x0b Sur")
    async with engine.database.transaction() as session:
        assert await session.scalar(select(Stakeholder.organization)) == "Red Migrante Sur"


async def test_an_overlong_message_is_refused_in_the_users_language(engine: Engine) -> None:
    """A 50,000-character message gets a Spanish refusal and changes nothing stored."""
    dialog = Dialog(engine)
    await register(dialog, language="es")
    await dialog.command("/consult inclusion")
    await dialog.tap(dialog.choices[0].label)
    await dialog.tap("Listo")
    replies = await dialog.say("palabra " * 6_250)
    assert [reply.key for reply in replies] == ["error.message_too_long"]
    assert "demasiado largo" in replies[0].text
    async with engine.database.transaction() as session:
        texts = (await session.scalars(select(Answer.value))).all()
    assert all("palabra" not in str(value) for value in texts)


async def test_a_304_character_file_name_is_kept(engine: Engine, tmp_path) -> None:
    """A file name longer than the column is shortened, keeping its extension, on both backends."""
    dialog = Dialog(engine)
    await at_attachment_question(dialog)
    name = "informe-" + "a" * 292 + ".pdf"
    assert len(name) == 304
    await dialog.attach(name)
    assert "answer.saved" in dialog.keys
    async with engine.database.transaction() as session:
        stored = await session.scalar(select(Attachment.filename))
    assert stored is not None and stored.endswith(".pdf") and len(stored) <= 200


async def test_an_edit_cannot_bypass_the_length_limit(engine: Engine) -> None:
    """Editing a sent part to 30,000 characters is refused; the answer saved keeps the limit."""
    dialog = Dialog(engine)
    await register(dialog)
    await dialog.command("/consult inclusion")
    await dialog.tap(dialog.choices[0].label)
    await dialog.tap("Done")
    await dialog.say("First part", message_ref="m-1")
    await dialog.send_kind(InboundKind.EDIT, text="y" * 30_000, message_ref="m-1")
    assert dialog.keys == ["error.long"]
    await dialog.tap("Done")
    async with engine.database.transaction() as session:
        values = (await session.scalars(select(Answer.value))).all()
    assert {"text": "First part"} in values
    assert all(len(str(value)) < 20_000 for value in values)
