"""/forget leaves no trace of the stakeholder in any table, file, log line or export."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.engine.engine import Engine
from bot.export import ExportFilters, build_export
from bot.observability.logs import NOISY
from bot.pack import Pack
from storage.models import Base
from tests.dialog import Dialog, at_attachment_question, register

USER = "ghost-7731"
ORGANIZATION = "Colectivo Fantasma Wqz"
EMAIL = "fantasma.wqz@example.org"
ANSWER = "Respuesta irrepetible Kjh-5512"
FILENAME = "testimonio-Kjh-5512.pdf"
CONTENT = b"%PDF-1.4 contenido irrepetible Kjh-5512"
TRACES = (USER, ORGANIZATION, EMAIL, ANSWER, "Kjh-5512", "Wqz")


async def _everything_stored(engine: Engine) -> str:
    async with engine.database.transaction() as session:
        rows = []
        for table in Base.metadata.sorted_tables:
            rows += [repr(tuple(row)) for row in await session.execute(select(table))]
    return "\n".join(rows)


async def test_forget_leaves_no_trace(
    engine: Engine, pack: Pack, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Profile, answers, a file and the conversation go; nothing of them stays anywhere."""
    caplog.set_level(logging.DEBUG)
    for name in NOISY:  # as `consultbot run` configures them even at DEBUG
        caplog.set_level(logging.INFO, logger=name)
    dialog = Dialog(engine, user_id=USER)
    await register(dialog, organization=ORGANIZATION)
    await dialog.command("/profile")
    await at_attachment_question(dialog, registered=True)
    await dialog.attach(FILENAME, content=CONTENT)
    assert "answer.saved" in dialog.keys
    await dialog.command("/consult drivers")
    await dialog.tap(dialog.choices[0].label)
    await dialog.tap("Done")
    await dialog.say(ANSWER)
    await dialog.tap("Done")
    assert ORGANIZATION in await _everything_stored(engine)
    assert ANSWER in await _everything_stored(engine)
    await dialog.command("/forget")
    await dialog.tap("Yes, erase everything")
    assert dialog.keys == ["forgotten"]

    stored = await _everything_stored(engine)
    files = [p for p in Path(engine.settings.attachments_dir).rglob("*") if p.is_file()]
    exports = b"".join(
        [
            (await build_export(engine.database, pack, fmt, ExportFilters(), False, "en")).content
            for fmt in ("csv", "jsonl", "md")
        ]
    )
    for trace in TRACES:
        assert trace not in stored, f"{trace!r} left in a table"
        assert trace not in caplog.text, f"{trace!r} in the logs"
        assert trace.encode() not in exports, f"{trace!r} in an export"
        assert all(trace not in str(path) for path in files), f"{trace!r} in a file name"
    assert all(CONTENT not in path.read_bytes() for path in files)
