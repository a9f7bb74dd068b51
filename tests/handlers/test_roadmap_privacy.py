"""/roadmap, /reminders, /mydata and /forget."""

from __future__ import annotations

import datetime as dt
import json

import yaml
from icalendar import Calendar
from sqlalchemy import func, select

from bot.engine.engine import Engine
from bot.pack import PACKS_DIR, parse_pack
from storage.models import Answer, AuditEntry, Conversation, Stakeholder
from tests.dialog import Dialog, answer_current, make_engine, register

NOW = dt.datetime(2025, 3, 10, 12, 0, tzinfo=dt.UTC)


def _pack_with_timed_event():
    raw = yaml.safe_load((PACKS_DIR / "lac-2025.yaml").read_text(encoding="utf-8"))
    raw["roadmap"].append(
        {
            "key": "webinar",
            "title": {"es": "Seminario web", "en": "Webinar", "pt": "Webinário", "fr": "Webinaire"},
            "start": "2025-03-14T10:00:00",
            "precision": "time",
            "place": {"virtual": True},
        }
    )
    return parse_pack(raw)


async def test_roadmap_lists_coming_events_in_local_and_venue_time(sqlite_db, tmp_path) -> None:
    """Coming events only; a timed one shows the stakeholder's time beside the venue's."""
    engine = make_engine(sqlite_db, _pack_with_timed_event(), tmp_path)
    engine.clock = lambda: NOW
    dialog = Dialog(engine)
    await register(dialog, country="Mexico")
    await dialog.command("/roadmap")
    assert dialog.keys == ["roadmap"]
    assert "Multi-stakeholder Hearing" in dialog.text and "March 18, 2025" in dialog.text
    assert "pre-consultations" not in dialog.text  # 13 November 2024 is past
    # 10:00 in Santiago (UTC-3 in March) is 07:00 in Mexico City (UTC-6).
    assert "7:00" in dialog.text and "10:00" in dialog.text


async def test_roadmap_in_spanish(sqlite_db, tmp_path) -> None:
    """The same roadmap reads in Spanish, with Spanish dates."""
    engine = make_engine(sqlite_db, _pack_with_timed_event(), tmp_path)
    engine.clock = lambda: NOW
    dialog = Dialog(engine)
    await register(dialog, language="es")
    await dialog.command("/roadmap")
    assert "Audiencia de múltiples partes interesadas" in dialog.text
    assert "18 de marzo de 2025" in dialog.text


async def test_roadmap_after_the_review_says_no_coming_events(engine: Engine) -> None:
    """Once every event is past the list says so and shows the latest ones."""
    engine.clock = lambda: dt.datetime(2026, 11, 28, tzinfo=dt.UTC)
    dialog = Dialog(engine)
    await register(dialog)
    await dialog.command("/roadmap")
    assert "no coming events" in dialog.text and "Second Regional Review Meeting" in dialog.text


async def test_roadmap_calendar_file(engine: Engine) -> None:
    """The calendar button sends an .ics file with every roadmap event."""
    dialog = Dialog(engine)
    await register(dialog)
    await dialog.command("/roadmap")
    await dialog.tap("Add to my calendar")
    document = dialog.replies[0].document
    assert document is not None and document.filename.endswith(".ics")
    events = Calendar.from_ical(document.content).walk("VEVENT")
    assert len(events) == len(engine.pack.roadmap)
    hearing = next(e for e in events if str(e["summary"]) == "Multi-stakeholder Hearing")
    assert hearing.decoded("dtstart") == dt.date(2025, 3, 18)


async def test_reminders_switch(engine: Engine) -> None:
    """/reminders off and on store the choice."""
    dialog = Dialog(engine)
    await register(dialog)
    await dialog.command("/reminders")
    assert dialog.keys == ["reminders.on"]
    await dialog.tap("Turn reminders off")
    assert dialog.keys == ["reminders.off"]
    async with engine.database.transaction() as session:
        assert await session.scalar(select(Stakeholder.reminders_opt_in)) is False


async def test_mydata_returns_everything_stored(engine: Engine) -> None:
    """/mydata sends a JSON file with the profile and every answer revision."""
    dialog = Dialog(engine)
    await register(dialog)
    await dialog.command("/consult inclusion")
    await answer_current(dialog)
    await answer_current(dialog, text="Our progress")
    await dialog.command("/mydata")
    data = json.loads(dialog.replies[0].document.content)
    assert data["profile"]["organization"] == "Red Migrante"
    assert data["profile"]["email"] == "contact@example.org"
    assert {a["question_key"] for a in data["answers"]} == {"objectives", "progress"}
    assert any(a["value"] == {"text": "Our progress"} for a in data["answers"])


async def test_forget_erases_after_confirmation(engine: Engine, tmp_path) -> None:
    """/forget asks first; yes erases profile, answers and files, audited without personal data."""
    dialog = Dialog(engine)
    await register(dialog)
    await dialog.command("/consult inclusion")
    for _ in range(5):
        await answer_current(dialog)
    await dialog.attach("voice.ogg", kind="voice", content=b"OggS")
    stored = engine.attachments.path_for("console", "file-voice.ogg", "voice.ogg")
    assert stored.exists()
    await dialog.command("/forget")
    await dialog.tap("No, keep my data")
    async with engine.database.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Answer)) == 6
    await dialog.command("/forget")
    await dialog.tap("Yes, erase everything")
    assert dialog.keys == ["forgotten"]
    async with engine.database.transaction() as session:
        for model in (Stakeholder, Answer, Conversation):
            assert await session.scalar(select(func.count()).select_from(model)) == 0
        entry = await session.scalar(select(AuditEntry))
    assert entry.action == "forget" and entry.detail["answers"] == 6
    assert not stored.exists()
    flat = json.dumps(entry.detail) + entry.actor
    for personal in ("Red Migrante", "contact@example.org", "u1", "chat-u1"):
        assert personal not in flat
    await dialog.command("/start")
    assert dialog.keys == ["ask.language"]
