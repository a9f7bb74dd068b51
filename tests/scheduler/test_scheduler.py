"""Roadmap reminders and roadmap-change notices, with a fake clock on both backends."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from bot.core.i18n import translator
from bot.outbox.scheduler import ReminderScheduler, due_reminders, grace
from bot.pack import Pack
from storage.db import Database
from storage.models import OutboxMessage
from tests.outbox.helpers import (
    START,
    FakeClock,
    add_stakeholders,
    both,
    make_pack,
    stakeholder_row,
)

FORUM_START = dt.datetime(2026, 5, 10, 14, 0, tzinfo=dt.UTC)  # 10:00 in Santiago (UTC-4)


def roadmap(**forum_changes: Any) -> list[dict[str, Any]]:
    forum = {
        "key": "forum",
        "title": both("Foro", "Forum"),
        "start": "2026-05-10T10:00:00",
        "precision": "time",
        "place": {"city": both("Santiago"), "country": "CL", "timezone": "America/Santiago"},
    }
    forum.update(forum_changes)
    return [
        forum,
        {
            "key": "deadline",
            "title": both("Plazo", "Deadline"),
            "start": "2026-04-15",
            "precision": "day",
            "place": {"virtual": True},
        },
        {
            "key": "report",
            "title": both("Informe", "Report"),
            "start": "2026-09-01",
            "end": "2026-09-30",
            "precision": "month",
            "place": {"virtual": True},
        },
        {
            "key": "kickoff",
            "title": both("Inicio", "Kickoff"),
            "start": "2026-01-10",
            "precision": "day",
            "place": {"virtual": True},
        },
    ]


def due_at(pack: Pack, moment: dt.datetime) -> set[tuple[str, str]]:
    return {(item.event.key, item.offset) for item in due_reminders(pack, moment)}


def test_reminder_is_due_from_its_moment_within_grace() -> None:
    """7d before the forum it is due; a minute early or past the 6h grace it is not."""
    pack = make_pack(roadmap())
    seven = FORUM_START - dt.timedelta(days=7)
    assert ("forum", "7d") in due_at(pack, seven)
    assert ("forum", "7d") not in due_at(pack, seven - dt.timedelta(minutes=1))
    assert ("forum", "7d") in due_at(pack, seven + dt.timedelta(hours=5, minutes=59))
    assert ("forum", "7d") not in due_at(pack, seven + dt.timedelta(hours=6))


def test_short_offset_has_short_grace() -> None:
    """A 1h reminder may be up to 15 minutes late and never later."""
    pack = make_pack(roadmap())
    hour = FORUM_START - dt.timedelta(hours=1)
    assert grace(dt.timedelta(hours=1)) == dt.timedelta(minutes=15)
    assert ("forum", "1h") in due_at(pack, hour + dt.timedelta(minutes=14))
    assert ("forum", "1h") not in due_at(pack, hour + dt.timedelta(minutes=16))


def test_never_for_past_events_and_no_hour_offset_for_dates() -> None:
    """Scanning past the last event: a past event and hour offsets of dated events never fire."""
    pack = make_pack(roadmap())
    seen: set[tuple[str, str]] = set()
    moment = START
    while moment < dt.datetime(2026, 10, 1, tzinfo=dt.UTC):  # after the last event
        seen |= due_at(pack, moment)
        moment += dt.timedelta(minutes=14)  # under the 15 minutes a 1h reminder is due for
    assert not {key for key in seen if key[0] == "kickoff"}
    assert ("deadline", "1h") not in seen and ("report", "1h") not in seen
    assert {("forum", "7d"), ("forum", "1d"), ("forum", "1h"), ("report", "7d")} <= seen


def test_started_event_is_never_reminded() -> None:
    """Once an event has begun, none of its reminders is due any more."""
    pack = make_pack(roadmap(reminders=["1h"]))
    assert due_at(pack, FORUM_START + dt.timedelta(minutes=1)) == set()


async def reminder_rows(db: Database) -> list[OutboxMessage]:
    async with db.transaction() as session:
        return list(
            await session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.kind == "reminder")
                .order_by(OutboxMessage.key)
            )
        )


async def subscribers(db: Database) -> list[int]:
    """Two opted-in (es in Chile, en in Mexico) and three that must not get reminders."""
    return await add_stakeholders(
        db,
        [
            stakeholder_row(1, reminders_opt_in=True, language="es", country="CL"),
            stakeholder_row(2, reminders_opt_in=True, language="en", country="MX"),
            stakeholder_row(3, reminders_opt_in=False),
            stakeholder_row(4, reminders_opt_in=True, consented_at=None),
            stakeholder_row(5, reminders_opt_in=True, unreachable_since=START),
        ],
    )


async def test_tick_queues_each_subscriber_in_language_and_zone(db: Database) -> None:
    """Opted-in, registered, reachable stakeholders get the reminder with their local time."""
    ids = await subscribers(db)
    clock = FakeClock(FORUM_START - dt.timedelta(days=1))
    report = await ReminderScheduler(db, make_pack(roadmap()), clock).tick()
    rows = await reminder_rows(db)
    by_chat = {row.chat_id: row.text for row in rows}
    assert report.reminders == 2 and set(by_chat) == {"chat1", "chat2"}
    assert {row.key for row in rows} == {f"reminder:test-pack:forum:1d:{n}" for n in ids[:2]}
    assert "Foro" in by_chat["chat1"] and "10:00" in by_chat["chat1"]
    assert "Forum" in by_chat["chat2"] and "8:00" in by_chat["chat2"]  # Mexico City, UTC-6


async def test_reminders_are_never_queued_twice(db: Database) -> None:
    """Ticks across the whole grace window, and a second replica, queue nothing new."""
    await subscribers(db)
    pack = make_pack(roadmap())
    clock = FakeClock(FORUM_START - dt.timedelta(days=1))
    first = await ReminderScheduler(db, pack, clock).tick()
    later = []
    for _ in range(6):
        clock.advance(3600)
        later.append((await ReminderScheduler(db, pack, clock).tick()).reminders)
    assert first.reminders == 2 and later == [0] * 6 and len(await reminder_rows(db)) == 2


async def test_nothing_is_queued_when_nothing_is_due(db: Database) -> None:
    """Between reminder moments a tick queues nothing."""
    await subscribers(db)
    clock = FakeClock(FORUM_START - dt.timedelta(days=3))
    report = await ReminderScheduler(db, make_pack(roadmap()), clock).tick()
    assert report.reminders == 0 and await reminder_rows(db) == []


async def test_month_event_is_worded_as_the_month(db: Database) -> None:
    """A month-precision event's reminder names the month, not a day or a time."""
    await subscribers(db)
    pack = make_pack(roadmap())
    clock = FakeClock(dt.datetime(2026, 8, 25, 13, 0, tzinfo=dt.UTC))
    await ReminderScheduler(db, pack, clock).tick()
    rows = {row.chat_id: row.text for row in await reminder_rows(db)}
    month = translator("es").month(dt.date(2026, 9, 1))
    assert month in rows["chat1"] and "Informe" in rows["chat1"] and ":" not in month


async def change_rows(db: Database) -> list[OutboxMessage]:
    async with db.transaction() as session:
        statement = select(OutboxMessage).where(OutboxMessage.kind == "roadmap_change")
        return list(await session.scalars(statement))


async def test_roadmap_change_is_told_once(db: Database) -> None:
    """First run records silently; a moved event is told once to each subscriber, then never."""
    await subscribers(db)
    clock = FakeClock()
    first = await ReminderScheduler(db, make_pack(roadmap()), clock).tick()
    same = await ReminderScheduler(db, make_pack(roadmap()), clock).tick()
    moved = make_pack(roadmap(start="2026-05-11T10:00:00"))
    told = await ReminderScheduler(db, moved, clock).tick()
    again = await ReminderScheduler(db, moved, clock).tick()
    texts = {row.chat_id: row.text for row in await change_rows(db)}
    assert (first.changes, same.changes, told.changes, again.changes) == (0, 0, 2, 0)
    assert set(texts) == {"chat1", "chat2"} and "Foro" in texts["chat1"]
    assert translator("en").date(dt.date(2026, 5, 11)) in texts["chat2"]


async def test_added_and_removed_events_are_listed(db: Database) -> None:
    """An added and a removed event both appear in the one notice."""
    await subscribers(db)
    clock = FakeClock()
    await ReminderScheduler(db, make_pack(roadmap()), clock).tick()
    events = roadmap()
    events = [e for e in events if e["key"] != "deadline"]
    events.append({**events[0], "key": "webinar", "title": both("Seminario", "Webinar")})
    report = await ReminderScheduler(db, make_pack(events), clock).tick()
    text = {row.chat_id: row.text for row in await change_rows(db)}["chat2"]
    assert report.changes == 2 and "Webinar" in text and "Deadline" in text


async def test_change_to_past_event_only_is_silent(db: Database) -> None:
    """Editing an event that already took place tells nobody."""
    await subscribers(db)
    clock = FakeClock()
    await ReminderScheduler(db, make_pack(roadmap()), clock).tick()
    events = roadmap()
    events[3] = {**events[3], "title": both("Arranque", "Start")}
    report = await ReminderScheduler(db, make_pack(events), clock).tick()
    assert report.changes == 0 and await change_rows(db) == []


async def test_run_ticks_until_cancelled(db: Database) -> None:
    """run() queues the due reminder on its first tick and stops cleanly on cancel."""
    await subscribers(db)
    clock = FakeClock(FORUM_START - dt.timedelta(days=1))
    task = asyncio.create_task(ReminderScheduler(db, make_pack(roadmap()), clock).run())
    for _ in range(500):
        if len(await reminder_rows(db)) == 2:
            break
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert len(await reminder_rows(db)) == 2


async def test_pack_source_is_read_each_tick(db: Database) -> None:
    """A callable pack source lets an edited roadmap be noticed without a restart."""
    await subscribers(db)
    packs = [make_pack(roadmap())]
    scheduler = ReminderScheduler(db, lambda: packs[-1], FakeClock())
    await scheduler.tick()
    packs.append(make_pack(roadmap(start="2026-05-12T10:00:00")))
    assert (await scheduler.tick()).changes == 2


async def test_reminder_reaches_the_console(db: Database) -> None:
    """Scheduler and sender together: the due reminder is printed once on the console."""
    import io

    from bot.outbox.sender import OutboxSender
    from bot.transports.console import ConsoleTransport

    await subscribers(db)
    clock = FakeClock(FORUM_START - dt.timedelta(hours=1))
    screen = io.StringIO()
    sender = OutboxSender(db, {"console": ConsoleTransport("chat1", stdout=screen)}, clock=clock)
    for _ in range(3):
        await ReminderScheduler(db, make_pack(roadmap()), clock).tick()
        await sender.drain()
        clock.advance(60)
    printed = screen.getvalue()
    assert printed.count("Foro") == 1 and printed.count("Forum") == 1
