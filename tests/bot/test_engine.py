"""The engine's guarantees: one transaction per update, dedupe, order, concurrent writers."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from bot.core.messages import Inbound, InboundKind
from bot.engine.engine import Engine
from storage.models import Answer, Conversation, ProcessedUpdate, Stakeholder
from tests.dialog import Dialog, answer_current, make_engine, register


async def _draft(engine: Engine) -> dict:
    async with engine.database.transaction() as session:
        return (await session.scalar(select(Conversation))).draft


async def test_repeated_update_is_ignored(engine: Engine) -> None:
    """A redelivered update id gets no reply and stores nothing new."""
    dialog = Dialog(engine)
    await register(dialog)
    await dialog.command("/consult inclusion")
    await answer_current(dialog)
    first = await dialog.say("Once", update_id="same-id")
    assert [r.key for r in first] == ["text.added"]
    again = await dialog.say("Once", update_id="same-id")
    assert again == []
    assert [part["text"] for part in (await _draft(engine))["parts"]] == ["Once"]
    async with engine.database.transaction() as session:
        marks = await session.scalar(
            select(func.count())
            .select_from(ProcessedUpdate)
            .where(ProcessedUpdate.update_id == "same-id")
        )
    assert marks == 1


async def test_same_update_id_on_two_platforms_is_two_updates(engine: Engine) -> None:
    """Update ids are per platform: Telegram's 5 and Slack's 5 are different updates."""
    telegram = Dialog(engine, user_id="t1", platform="telegram")
    slack = Dialog(engine, user_id="s1", platform="slack")
    assert await telegram.command("/start", update_id="5")
    assert await slack.command("/start", update_id="5")


async def test_updates_of_one_stakeholder_are_handled_in_order(engine: Engine) -> None:
    """Fifty text parts sent at once are appended in the order they arrived."""
    dialog = Dialog(engine)
    await register(dialog)
    await dialog.command("/consult inclusion")
    await answer_current(dialog)
    inbounds = [dialog._inbound(InboundKind.TEXT, text=f"part {n}") for n in range(50)]
    await asyncio.gather(*(engine.handle(inbound) for inbound in inbounds))
    parts = [part["text"] for part in (await _draft(engine))["parts"]]
    assert parts == [f"part {n}" for n in range(50)]


async def test_two_processes_on_one_stakeholder_lose_nothing(
    engine: Engine, pack, tmp_path
) -> None:
    """Two engines (as two replicas) writing one conversation at once both land; none is lost."""
    dialog = Dialog(engine)
    await register(dialog)
    await dialog.command("/consult inclusion")
    await answer_current(dialog)
    other = make_engine(engine.database, pack, tmp_path)
    engines = [engine, other]
    inbounds = [dialog._inbound(InboundKind.TEXT, text=f"part {n}") for n in range(20)]
    replies = await asyncio.gather(
        *(engines[n % 2].handle(inbound) for n, inbound in enumerate(inbounds))
    )
    assert all(reply[0].key == "text.added" for reply in replies)
    parts = sorted(part["text"] for part in (await _draft(engine))["parts"])
    assert parts == sorted(f"part {n}" for n in range(20))
    async with engine.database.transaction() as session:
        version = await session.scalar(select(Conversation.version))
    assert version >= 20


async def test_different_stakeholders_run_concurrently(engine: Engine) -> None:
    """Registrations of many stakeholders at once all complete."""
    dialogs = [Dialog(engine, user_id=f"user-{n}") for n in range(8)]
    await asyncio.gather(*(register(dialog) for dialog in dialogs))
    async with engine.database.transaction() as session:
        registered = await session.scalar(
            select(func.count())
            .select_from(Stakeholder)
            .where(Stakeholder.registered_at.is_not(None))
        )
    assert registered == 8


async def test_blocking_marks_unreachable_and_unblocking_clears(engine: Engine) -> None:
    """A block update marks the stakeholder unreachable; an unblock makes them reachable."""
    dialog = Dialog(engine)
    await register(dialog)
    assert await dialog.send_kind(InboundKind.BLOCKED) == []
    async with engine.database.transaction() as session:
        assert await session.scalar(select(Stakeholder.unreachable_since)) is not None
    await dialog.send_kind(InboundKind.UNBLOCKED)
    async with engine.database.transaction() as session:
        assert await session.scalar(select(Stakeholder.unreachable_since)) is None


async def test_failed_update_commits_nothing_and_can_be_retried(
    sqlite_engine: Engine, monkeypatch
) -> None:
    """An error midway rolls back the answer and the processed mark, so a retry works."""
    dialog = Dialog(sqlite_engine)
    await register(dialog)
    await dialog.command("/consult inclusion")
    await dialog.tap(dialog.choices[0].label)
    import storage.answers as consultation  # where the store saves an answer

    real_save = consultation.save_answer

    async def failing(*args, **kwargs):
        await real_save(*args, **kwargs)
        raise RuntimeError("crash after writing")

    monkeypatch.setattr(consultation, "save_answer", failing)
    done = dialog._inbound(InboundKind.CHOICE, choice=dialog.button("Done").data)
    assert [r.key for r in await sqlite_engine.handle(done)] == ["error.internal"]
    async with sqlite_engine.database.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Answer)) == 0
    monkeypatch.setattr(consultation, "save_answer", real_save)
    assert "answer.saved" in [r.key for r in await sqlite_engine.handle(done)]


def test_inbound_address_is_platform_and_chat() -> None:
    """Replies go to the chat the update came from."""
    inbound = Inbound("telegram", "7", "chat-7", "1", InboundKind.TEXT, text="hi")
    assert (inbound.address.platform, inbound.address.chat_id) == ("telegram", "chat-7")
