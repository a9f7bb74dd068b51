"""Files are kept only in the attachment store, deleted only from it, "Saved." only when kept."""

from __future__ import annotations

import io
from pathlib import Path

from sqlalchemy import func, select

from bot.core.attachments import AttachmentStore
from bot.core.messages import AttachmentRef, InboundKind
from bot.core.settings import load_settings
from bot.engine.engine import Engine
from bot.pack import Pack
from bot.transports.base import Startup
from bot.transports.console import ConsoleTransport
from storage.db import Database
from storage.models import Attachment
from tests.dialog import Dialog, at_attachment_question


async def _attachments(engine: Engine) -> int:
    async with engine.database.transaction() as session:
        return await session.scalar(select(func.count()).select_from(Attachment)) or 0


async def test_a_file_that_was_not_fetched_is_not_saved(engine: Engine) -> None:
    """A failed download is said as such and asked again; no attachment row is stored."""
    dialog = Dialog(engine)
    await at_attachment_question(dialog)
    ref = AttachmentRef("file-lost", "document", filename="lost.pdf")
    replies = await dialog.send_kind(InboundKind.ATTACHMENT, attachment=ref)
    assert "answer.saved" not in dialog.keys
    assert dialog.keys[0] == "error.file_not_kept" and "send it again" in replies[0].text
    assert await _attachments(engine) == 0


async def test_a_file_over_the_limit_is_said_to_be_too_large(engine: Engine) -> None:
    """A file the platform would not let us fetch: "too large", nothing stored."""
    dialog = Dialog(engine)
    await at_attachment_question(dialog)
    ref = AttachmentRef("file-big", "document", filename="big.pdf", size=10**9, problem="too_large")
    replies = await dialog.send_kind(InboundKind.ATTACHMENT, attachment=ref)
    assert dialog.keys[0] == "error.file_too_large" and "too large" in replies[0].text
    assert await _attachments(engine) == 0


async def test_a_kept_file_is_saved(engine: Engine) -> None:
    """A file the transport stored in the attachment store is saved and said so."""
    dialog = Dialog(engine)
    await at_attachment_question(dialog)
    await dialog.attach("evidence.pdf")
    assert "answer.saved" in dialog.keys
    assert await _attachments(engine) == 1


async def test_forget_never_deletes_outside_the_store(
    sqlite_db: Database, pack: Pack, tmp_path: Path
) -> None:
    """A stored path outside the attachment store (an old console row) survives /forget."""
    outside = tmp_path / "mine" / "report.pdf"
    outside.parent.mkdir()
    outside.write_bytes(b"the user's own file")
    settings = load_settings(database_url=sqlite_db.url, attachments_dir=str(tmp_path / "files"))
    engine = Engine(sqlite_db, pack, settings)
    dialog = Dialog(engine)
    await at_attachment_question(dialog)
    await dialog.attach("evidence.pdf")
    async with sqlite_db.transaction() as session:
        row = await session.scalar(select(Attachment))
        assert row is not None
        kept = Path(row.stored_path or "")
        row.stored_path = str(outside)
        session.add(Attachment(**{**_columns(row), "id": None, "stored_path": str(kept)}))
    await dialog.command("/forget")
    await dialog.tap("Yes")
    assert outside.read_bytes() == b"the user's own file"
    assert not kept.exists()


def _columns(row: Attachment) -> dict[str, object]:
    return {column.key: getattr(row, column.key) for column in row.__table__.columns}


def test_the_store_refuses_paths_outside_it(tmp_path: Path) -> None:
    """`delete` removes files inside the store only, whatever the path says (.., symlinks)."""
    store = AttachmentStore(tmp_path / "files")
    inside = store.save("console", "a", "a.pdf", b"x")
    victim = tmp_path / "victim.txt"
    victim.write_text("keep")
    link = store.directory / "console" / "link"
    link.symlink_to(victim)
    for path in (victim, store.directory / "console" / ".." / ".." / "victim.txt", link):
        assert store.delete(str(path)) is False
    assert victim.read_text() == "keep"
    assert store.delete(str(inside)) is True and not inside.exists()


async def test_console_attach_copies_into_the_store(
    sqlite_db: Database, pack: Pack, tmp_path: Path
) -> None:
    """`/attach ../file` sends a copy kept in the store; /forget leaves the original alone."""
    original = tmp_path / "desk" / "informe.pdf"
    original.parent.mkdir()
    original.write_bytes(b"%PDF-1.4 the user's original")
    store = AttachmentStore(tmp_path / "files")
    settings = load_settings(database_url=sqlite_db.url, attachments_dir=str(store.directory))
    engine = Engine(sqlite_db, pack, settings, attachments=store)
    dialog = Dialog(engine, platform="console", user_id="demo")
    await at_attachment_question(dialog)
    console = ConsoleTransport("demo", "en", stdin=io.StringIO(""), stdout=io.StringIO())
    console.attachments = store
    await console.start(Startup(engine))
    inbound = console.to_inbound(f"/attach {tmp_path / 'desk' / '..' / 'desk' / 'informe.pdf'}")
    assert inbound.attachment is not None
    stored = Path(inbound.attachment.stored_path or "")
    assert store.contains(str(stored)) and stored.read_bytes() == original.read_bytes()
    assert str(original) not in inbound.attachment.platform_file_id
    await dialog.deliver(inbound)
    assert "answer.saved" in dialog.keys
    await dialog.command("/forget")
    await dialog.tap("Yes")
    assert original.read_bytes() == b"%PDF-1.4 the user's original"
    assert not stored.exists()
