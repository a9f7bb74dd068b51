"""Roadmap dates and reminders in Portuguese and French, in each reader's time zone (Babel).

And the no-reminder rule: an event for Member States only (`remind: false`) is shown on
/roadmap but never reminded.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from bot.core.i18n import translator
from bot.domain.roadmap import when_text
from bot.outbox.scheduler import ReminderScheduler, due_reminders, offsets, reminder_text
from bot.pack import PACKS_DIR, Pack, RoadmapEvent, parse_pack
from storage.db import Database
from storage.models import OutboxMessage
from tests.outbox.helpers import FakeClock, add_stakeholders, both, make_pack, stakeholder_row

# 10:00 in Santiago on 14 March 2025 (UTC-3, summer time) is 09:00 in Haiti (UTC-4, summer time
# from 9 March), in Manaus and in Martinique (UTC-4 all year).
WEBINAR = {
    "key": "webinar",
    "title": {"es": "Seminario web", "en": "Webinar", "pt": "Webinário", "fr": "Webinaire"},
    "start": "2025-03-14T10:00:00",
    "precision": "time",
    "place": {"virtual": True},
}
WEBINAR_START = dt.datetime(2025, 3, 14, 13, 0, tzinfo=dt.UTC)


def lac_with(*events: dict[str, Any]) -> Pack:
    raw = yaml.safe_load((PACKS_DIR / "lac-2025.yaml").read_text(encoding="utf-8"))
    raw["roadmap"].extend(events)
    return parse_pack(raw)


def event(pack: Pack, key: str) -> RoadmapEvent:
    return next(item for item in pack.roadmap if item.key == key)


@pytest.mark.parametrize(
    ("language", "zone", "expected"),
    [
        ("pt", "America/Manaus", "14 de março de 2025, 09:00 no seu horário (Manaus) · 10:00"),
        ("fr", "America/Port-au-Prince", "14 mars 2025, 09:00 heure locale (Port-au-Prince)"),
        ("fr", "America/Martinique", "14 mars 2025, 09:00 heure locale (Martinique) · 10:00"),
        ("pt", "America/Santiago", "14 de março de 2025, 10:00 no horário de Santiago"),
    ],
)  # fmt: skip
def test_timed_event_in_the_readers_language_and_zone(language: str, zone: str, expected: str):
    """A timed event shows the reader's local time beside the venue's, worded by Babel."""
    pack = lac_with(WEBINAR)
    assert when_text(pack, event(pack, "webinar"), translator(language), zone).startswith(expected)


@pytest.mark.parametrize(
    ("language", "review", "consultation"),
    [
        ("pt", "de 19 de março de 2025 a 20 de março de 2025", "janeiro de 2025"),
        ("fr", "du 19 mars 2025 au 20 mars 2025", "janvier 2025"),
        ("es", "Del 19 de marzo de 2025 al 20 de marzo de 2025", "enero de 2025"),
    ],
)
def test_day_and_month_events_in_each_language(language: str, review: str, consultation: str):
    """Multi-day rows read as a range, month rows as the month, in the reader's language."""
    pack = lac_with()
    t = translator(language)
    assert when_text(pack, event(pack, "review-meeting"), t, "America/Santiago") == review
    assert when_text(pack, event(pack, "consultation"), t, "America/Santiago") == consultation


def test_reminder_reads_as_a_sentence_in_french_and_portuguese() -> None:
    """The reminder names the event, when and where, in the reader's words."""
    pack = lac_with()
    hearing = event(pack, "hearing")
    french = reminder_text(translator("fr"), pack, hearing, "America/Port-au-Prince")
    portuguese = reminder_text(translator("pt"), pack, hearing, "America/Sao_Paulo")
    assert french == (
        "Rappel : Audition multipartite commence bientôt — 18 mars 2025\nLieu : Santiago, Chili"
    )
    assert portuguese == (
        "Lembrete: Audiência de múltiplas partes interessadas começa em breve — 18 de março de "
        "2025\nOnde: Santiago, Chile"
    )


async def test_tick_queues_each_reader_in_language_and_zone(db: Database) -> None:
    """One reminder, four readers: each gets their language and their country's time."""
    pack = lac_with(WEBINAR)
    await add_stakeholders(
        db,
        [
            stakeholder_row(1, reminders_opt_in=True, language="fr", country="HT"),
            stakeholder_row(2, reminders_opt_in=True, language="pt", country="BR"),
            stakeholder_row(3, reminders_opt_in=True, language="es", country="MX"),
            stakeholder_row(4, reminders_opt_in=True, language="en", country="JM"),
        ],
    )
    clock = FakeClock(WEBINAR_START - dt.timedelta(hours=1))
    report = await ReminderScheduler(db, pack, clock).tick()
    async with db.transaction() as session:
        rows = await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "reminder"))
        texts = {row.chat_id: row.text for row in rows}
    assert report.reminders == 4
    assert texts["chat1"].startswith("Rappel : Webinaire commence bientôt — 14 mars 2025, 09:00")
    assert "heure locale (Port-au-Prince)" in texts["chat1"]
    # Brazil's country zone is São Paulo, on Santiago's offset that day: one time only.
    assert texts["chat2"].startswith(
        "Lembrete: Webinário começa em breve — 14 de março de 2025, 10:00 no horário de Santiago"
    )
    assert texts["chat3"].startswith("Recordatorio: Seminario web comienza el 14 de marzo de 2025")
    assert texts["chat4"].startswith("Reminder: Webinar starts March 14, 2025")


# --- remind: false ---------------------------------------------------------------------------


def briefing(**changes: Any) -> dict[str, Any]:
    row = {
        "key": "briefing",
        "title": both("Sesión informativa para los Estados miembros", "Member States briefing"),
        "start": "2026-05-10T10:00:00",
        "precision": "time",
        "place": {"virtual": True},
        "audience": both("Estados miembros", "Member States"),
        "remind": False,
    }
    return row | changes


def test_member_states_rows_of_lac_2025_are_never_reminded() -> None:
    """Both briefings for Member States are shown but have no reminder offsets; others do."""
    pack = lac_with()
    silent = {item.key for item in pack.roadmap if not item.remind}
    assert silent == {"briefing-1", "briefing-2"}
    for item in pack.roadmap:
        assert bool(offsets(pack, item)) is item.remind, item.key


def test_no_reminder_is_ever_due_for_a_remind_false_event() -> None:
    """Scanning the whole week before it, a remind: false event is never due; its twin is."""
    twin = briefing(key="twin", remind=True)
    pack = make_pack([briefing(), twin])
    start = dt.datetime(2026, 5, 10, 14, 0, tzinfo=dt.UTC)
    moment, seen = start - dt.timedelta(days=8), set()
    while moment < start:
        seen |= {item.event.key for item in due_reminders(pack, moment)}
        moment += dt.timedelta(minutes=10)
    assert seen == {"twin"}


async def test_tick_queues_nothing_for_a_remind_false_event(db: Database) -> None:
    """Subscribers get no reminder for a Member States event, even at its reminder moment."""
    pack = make_pack([briefing()])
    await add_stakeholders(db, [stakeholder_row(1, reminders_opt_in=True)])
    clock = FakeClock(dt.datetime(2026, 5, 9, 14, 0, tzinfo=dt.UTC))  # exactly 1d before
    report = await ReminderScheduler(db, pack, clock).tick()
    async with db.transaction() as session:
        queued = list(await session.scalars(select(OutboxMessage.id)))
    assert report.reminders == 0 and queued == []


def test_remind_false_with_reminders_is_a_pack_problem() -> None:
    """Offsets on an event that is never reminded are a mistake, reported with their path."""
    from bot.pack import PackError
    from tests.outbox.helpers import pack_data

    with pytest.raises(PackError) as caught:
        parse_pack(pack_data([briefing(reminders=["1d"])]), "test-pack")
    assert caught.value.problems == [
        "roadmap[0].reminders: remind is false, so these reminders would never go out"
    ]
