"""The attachment sweep: files no stored answer refers to go once old enough; others stay."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from bot.engine.engine import Engine
from bot.engine.sweep import AttachmentSweeper
from tests.dialog import Dialog, at_attachment_question

HOUR = 3600.0


def _age(path: Path, seconds: float) -> None:
    moment = time.time() - seconds
    os.utime(path, (moment, moment))


async def test_the_sweep_deletes_old_orphans_only(engine: Engine) -> None:
    """Kept: a file an answer refers to, and a young orphan (its update may still commit).
    Deleted: an old orphan, as an erasure whose delete failed or an update never committed
    leave."""
    dialog = Dialog(engine)
    await at_attachment_question(dialog)
    await dialog.attach("evidence.pdf")
    assert "answer.saved" in dialog.keys
    store = engine.attachments
    [answered] = list(store.files())
    old_orphan = store.save("telegram", "file-gone", "erased.pdf", b"%PDF")
    young_orphan = store.save("telegram", "file-new", "pending.pdf", b"%PDF")
    _age(answered, 2 * HOUR)
    _age(old_orphan, 2 * HOUR)

    removed = await AttachmentSweeper(engine.database, store, min_age=HOUR).sweep()

    assert removed == 1
    assert answered.exists() and young_orphan.exists() and not old_orphan.exists()


async def test_a_file_fetched_again_is_young_again(engine: Engine) -> None:
    """A redelivered update's file, fetched again, is not swept before its update commits."""
    store = engine.attachments
    path = store.save("telegram", "file-retried", "late.pdf", b"%PDF")
    _age(path, 2 * HOUR)
    store.save("telegram", "file-retried", "late.pdf", b"%PDF")  # the redelivery
    assert await AttachmentSweeper(engine.database, store, min_age=HOUR).sweep() == 0
    assert path.exists()


async def test_files_left_by_a_failed_erasure_are_swept(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """/forget whose file delete fails: the stakeholder's file goes at the next sweep."""
    dialog = Dialog(engine)
    await at_attachment_question(dialog)
    await dialog.attach("evidence.pdf")
    [kept] = list(engine.attachments.files())
    monkeypatch.setattr(engine.attachments, "delete", lambda _path: False)
    await dialog.command("/forget")
    await dialog.tap(dialog.choices[0].label)  # confirm
    assert dialog.keys == ["forgotten"] and kept.exists()
    monkeypatch.undo()
    _age(kept, 2 * HOUR)
    assert await AttachmentSweeper(engine.database, engine.attachments, min_age=HOUR).sweep() == 1
    assert not kept.exists()
