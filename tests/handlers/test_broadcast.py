"""/broadcast, /broadcasts and /stats through the engine, and who may use them."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.core.i18n import translator
from bot.engine.engine import Engine
from bot.outbox.sender import OutboxSender, SenderPolicy
from bot.transports.console import ConsoleTransport
from storage import roles
from storage.db import Database
from storage.models import AuditEntry, OutboxMessage
from tests.dialog import Dialog, make_engine
from tests.outbox.helpers import FakeClock, add_answer, add_stakeholders, make_pack, stakeholder_row

PACK = make_pack()


@pytest.fixture
async def engine(db: Database, tmp_path: Path) -> AsyncIterator[Engine]:
    """Four registered stakeholders (three in Chile), an organizer and a rapporteur."""
    await add_stakeholders(
        db,
        [
            stakeholder_row(1, language="es"),
            stakeholder_row(2, language="en"),
            stakeholder_row(3, language="es", country="MX", subregion="central"),
            stakeholder_row(4, language=None),
            stakeholder_row(0, platform_user_id="org", chat_id="chat-org", language="en",
                            country="AR"),
        ],
    )  # fmt: skip
    await add_answer(db, 1, "s1")
    yield make_engine(
        db, PACK, tmp_path, organizers=["console:org", "console:both"],
        rapporteurs=["console:rap", "console:both"],
    )  # fmt: skip


async def queued(db: Database) -> dict[str, str]:
    async with db.transaction() as session:
        rows = await session.execute(select(OutboxMessage.chat_id, OutboxMessage.text))
        return dict(rows.all())


async def test_broadcast_per_language_to_a_country(engine: Engine, db: Database) -> None:
    """Texts in two languages, audience Chile, previews per language, then queued on Send."""
    dialog = Dialog(engine, user_id="org")
    assert (await dialog.command("/broadcast"))[-1].key == "ask.broadcast.text"
    await dialog.say("Hola a todos")
    assert dialog.keys == ["ask.broadcast.more"]
    await dialog.tap("Add a text in English")
    await dialog.say("Hello all")
    assert dialog.keys == ["ask.broadcast.audience"] and "6 stakeholders" not in dialog.text
    await dialog.tap("Country")
    await dialog.say("Chile")
    assert dialog.keys == ["ask.broadcast.audience"] and "3 stakeholders" in dialog.text
    await dialog.tap("Preview and send")
    assert dialog.keys == ["broadcast.preview", "broadcast.preview", "ask.broadcast.confirm"]
    assert "Hola a todos" in dialog.replies[0].text and "Hello all" in dialog.replies[1].text
    await dialog.tap("Send")
    assert dialog.keys == ["broadcast.queued"]
    assert await queued(db) == {"chat1": "Hola a todos", "chat2": "Hello all",
                                "chat4": "Hola a todos"}  # fmt: skip


async def test_broadcast_text_in_the_command_and_cancel(engine: Engine, db: Database) -> None:
    """`/broadcast TEXT` skips the first question; Cancel at the confirmation queues nothing."""
    dialog = Dialog(engine, user_id="org")
    await dialog.command("/broadcast Hola")
    await dialog.tap("Choose the audience")
    await dialog.tap("Preview and send")
    assert "Send this to 5 stakeholders?" in dialog.text  # everyone, the organizer too
    await dialog.tap("Cancel")
    assert dialog.keys == ["broadcast.cancelled"] and await queued(db) == {}


async def test_session_filter_and_empty_audience(engine: Engine, db: Database) -> None:
    """Session participants narrow to who answered; an empty audience cannot be sent."""
    dialog = Dialog(engine, user_id="org")
    await dialog.command("/broadcast Hola")
    await dialog.tap("Choose the audience")
    await dialog.tap("Took part in a session")
    await dialog.tap("Session 2")
    await dialog.tap("Preview and send")
    assert dialog.keys == ["broadcast.none", "ask.broadcast.audience"]
    await dialog.tap("Everyone")
    await dialog.tap("Took part in a session")
    await dialog.tap("Session 1")
    await dialog.tap("Preview and send")
    await dialog.tap("Send")
    assert await queued(db) == {"chat1": "Hola"}


async def test_bad_input_keeps_the_step(engine: Engine, db: Database) -> None:
    """An unknown country or a stray text gets a short reply and the same step."""
    dialog = Dialog(engine, user_id="org")
    await dialog.command("/broadcast Hola")
    await dialog.tap("Choose the audience")
    await dialog.tap("Country")
    await dialog.say("Atlantis")
    assert dialog.keys == ["error.expected"]
    await dialog.say("Mexico")
    await dialog.say("whatever")
    assert dialog.keys == ["error.expected"]
    await dialog.tap("Preview and send")
    await dialog.tap("Send")
    assert await queued(db) == {"chat3": "Hola"}


async def test_broadcasts_show_counts_after_console_delivery(engine: Engine, db: Database) -> None:
    """/broadcasts counts queued messages, then sent ones once the sender drained to the console."""
    dialog = Dialog(engine, user_id="org")
    await dialog.command("/broadcast Hola")
    await dialog.tap("Choose the audience")
    await dialog.tap("Subregion")
    await dialog.tap("South")
    await dialog.tap("Preview and send")
    await dialog.tap("Send")
    await dialog.command("/broadcasts")
    assert "4 queued, 0 sent" in dialog.text
    screen = io.StringIO()
    console = ConsoleTransport(user_id="org", stdout=screen)
    clock = FakeClock(dt.datetime.now(dt.UTC))
    sender = OutboxSender(db, {"console": console}, SenderPolicy(rate_per_second=100), clock)
    await sender.drain()
    await dialog.command("/broadcasts")
    assert "0 queued, 4 sent" in dialog.text and screen.getvalue().count("Hola") == 4
    async with db.transaction() as session:
        actions = list(await session.scalars(select(AuditEntry.action)))
    assert actions == ["broadcast.create"]


async def test_stats_for_a_rapporteur(engine: Engine) -> None:
    """/stats shows registered counts and answers by session, in the reader's language."""
    dialog = Dialog(engine, user_id="rap")  # no language yet: the pack's default
    await dialog.command("/stats")
    t = translator(PACK.default_language)
    registered = t._(
        "Registered stakeholders: {count} (reminders on: {reminders}, unreachable: {unreachable})",
        count=5,
        reminders=0,
        unreachable=0,
    )
    session = t._(
        "{session}: stakeholders {people}, answers {answers}",
        session="Sesión 1",
        people=1,
        answers=1,
    )
    assert dialog.keys == ["stats"]
    assert registered in dialog.text and session in dialog.text


MATRIX = [
    # (user, command, allowed)
    *[(user, "broadcast", user in ("org", "both")) for user in ("nobody", "org", "rap", "both")],
    *[(user, "broadcasts", user in ("org", "both")) for user in ("nobody", "org", "rap", "both")],
    *[(user, "stats", user != "nobody") for user in ("nobody", "org", "rap", "both")],
    *[(user, "export", user in ("rap", "both")) for user in ("nobody", "org", "rap", "both")],
]


@pytest.mark.parametrize(("user", "command", "allowed"), MATRIX)
async def test_commands_by_role(engine: Engine, user: str, command: str, allowed: bool) -> None:
    """Each organizer and rapporteur command is refused, with a short reply, to everyone else."""
    dialog = Dialog(engine, user_id=user)
    replies = await dialog.command(f"/{command}")
    refused = [reply.key for reply in replies] == ["error.forbidden"]
    assert refused is not allowed
    if refused:
        assert len(replies[0].text) < 120


async def test_stored_role_opens_the_command(engine: Engine, db: Database) -> None:
    """A role granted with `consultbot roles grant` counts like one from ORGANIZERS."""
    dialog = Dialog(engine, user_id="granted")
    assert (await dialog.command("/broadcasts"))[0].key == "error.forbidden"
    async with db.transaction() as session:
        await roles.grant(session, "console", "granted", roles.ORGANIZER, "console:cli")
    assert (await dialog.command("/broadcasts"))[0].key == "broadcasts.none"


async def test_unregistered_organizer_can_broadcast(engine: Engine, db: Database) -> None:
    """An organizer who never registered as a stakeholder can still write and send."""
    dialog = Dialog(engine, user_id="both")
    await dialog.command("/broadcast")
    await dialog.say("Hola")
    assert dialog.keys == ["ask.broadcast.more"]
