"""Privacy details of issue 12 (item 9): a refusal keeps nothing, an erasure leaves no copy."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

import bot.engine.engine
from bot.core.messages import InboundKind
from bot.engine.engine import Engine
from storage.db import Database
from storage.models import Conversation, Stakeholder
from tests.dialog import Dialog, answer_current, register

ORGANIZATION = "Colectivo Quetzal-Zyxw 4417"
ANSWER = "Testimonio confidencial Vrbq-9921 sobre nuestra situacion migratoria"


async def _count(engine: Engine, model: type) -> int:
    async with engine.database.transaction() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


async def test_declining_consent_keeps_no_row(engine: Engine) -> None:
    """After "No, thank you" no stakeholder or conversation row remains; /start begins anew."""
    dialog = Dialog(engine, user_id="decliner")
    await dialog.command("/start")
    await dialog.tap("English")
    await dialog.tap("No, thank you")
    assert dialog.keys == ["consent.declined"]
    assert await _count(engine, Stakeholder) == 0
    assert await _count(engine, Conversation) == 0
    await dialog.tap("Start again")
    assert dialog.keys == ["ask.language"]


async def test_the_apology_speaks_the_chosen_language(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Spanish-speaking user on an English phone gets the apology in Spanish."""
    dialog = Dialog(engine, locale="en")
    await register(dialog, language="es")

    async def broken(ctx: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(bot.engine.engine, "route", broken)
    replies = await dialog.send_kind(InboundKind.TEXT, text="hola")
    assert [reply.key for reply in replies] == ["error.internal"]
    assert replies[0].text.startswith("Lo sentimos")


async def test_an_erasure_leaves_nothing_in_the_sqlite_files(sqlite_engine: Engine) -> None:
    """After /forget the database file and its WAL no longer hold the erased text."""
    dialog = Dialog(sqlite_engine)
    await register(dialog, organization=ORGANIZATION)
    await dialog.command("/consult inclusion")
    await answer_current(dialog)
    await answer_current(dialog, text=ANSWER)
    database: Database = sqlite_engine.database
    path = database.url.split("///", 1)[1]
    before = _files(path)
    assert ORGANIZATION.encode() in before and ANSWER.encode() in before
    await dialog.command("/forget")
    await dialog.tap("Yes, erase everything")
    assert dialog.keys == ["forgotten"]
    after = _files(path)
    assert ORGANIZATION.encode() not in after
    assert ANSWER.encode() not in after


def _files(path: str) -> bytes:
    from pathlib import Path

    return b"".join(
        Path(path + suffix).read_bytes()
        for suffix in ("", "-wal", "-journal")
        if Path(path + suffix).exists()
    )
