"""A fifth language is a catalog plus the pack's texts, nothing else (README: add a language).

German stands in for the next language: a catalog written into a copy of locales/ and German
texts added to the template pack, then a stakeholder registers and answers in it.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from babel.messages.pofile import read_po, write_po
from sqlalchemy import select

from bot.core import i18n
from bot.pack import PACKS_DIR, Pack, gcm_objectives, parse_pack
from storage.db import Database
from storage.models import Answer, Stakeholder
from tests.dialog import Dialog, make_engine

GERMAN = {
    "Choose your language": "Wählen Sie Ihre Sprache",
    "I agree": "Ich stimme zu",
    "Thank you. A few questions about your organization (about one minute).": (
        "Danke. Einige Fragen zu Ihrer Organisation (etwa eine Minute)."
    ),
    "Registration {step}/{total}": "Anmeldung {step}/{total}",
    "Yes, you may name us": "Ja, Sie dürfen uns nennen",
    "Yes, publish them": "Ja, veröffentlichen",
    "Yes, remind me": "Ja, erinnern Sie mich",
    "Done": "Fertig",
}


@pytest.fixture
def german_catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """locales/ as shipped plus locales/de, made like any translator would make it."""
    locales = tmp_path / "locales"
    shutil.copytree(i18n.LOCALES_DIR, locales)
    with (locales / "en" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="de")
    for message in catalog:
        if isinstance(message.id, str) and message.id in GERMAN:
            message.string = GERMAN[message.id]
    (locales / "de" / "LC_MESSAGES").mkdir(parents=True)
    with (locales / "de" / "LC_MESSAGES" / "messages.po").open("wb") as handle:
        write_po(handle, catalog)
    monkeypatch.setattr(i18n, "LOCALES_DIR", locales)
    i18n._translations.cache_clear()
    i18n.translator.cache_clear()
    yield locales
    i18n._translations.cache_clear()
    i18n.translator.cache_clear()


def _add_german(value: Any) -> None:
    """Give every text of the raw pack a German version next to its English one."""
    if isinstance(value, dict):
        if "en" in value and all(isinstance(text, str) for text in value.values()):
            value.setdefault("de", f"[de] {value['en']}")
            return
        for child in value.values():
            _add_german(child)
    elif isinstance(value, list):
        for item in value:
            _add_german(item)


def german_pack() -> Pack:
    raw = yaml.safe_load((PACKS_DIR / "template.yaml").read_text(encoding="utf-8"))
    raw["objectives"] = gcm_objectives()
    for objective in raw["objectives"]:
        objective.pop("sources", None)
    raw["languages"] = ["en", "es", "de"]
    _add_german(raw)
    return parse_pack(raw, "template+de")


def test_a_language_without_a_catalog_is_not_shipped() -> None:
    """Before its catalog exists, German is no shipped language."""
    assert "de" not in i18n.shipped_languages()


async def test_german_stakeholder_registers_and_answers(
    german_catalog: Path, sqlite_db: Database, tmp_path: Path
) -> None:
    """With a de catalog and de pack texts, a German phone is served in German end to end."""
    assert "de" in i18n.shipped_languages()
    engine = make_engine(sqlite_db, german_pack(), tmp_path)
    dialog = Dialog(engine, locale="de-DE")
    await dialog.command("/start")
    assert dialog.choices[0].label == "Deutsch"
    assert dialog.replies[0].text.startswith("Wählen Sie Ihre Sprache")
    await dialog.tap("Deutsch")
    assert dialog.keys == ["ask.consent"] and dialog.text.startswith("[de] We keep the data")
    await dialog.tap("Ich stimme zu")
    assert "Danke." in dialog.text and "Anmeldung 1/" in dialog.text
    await dialog.say("Verein Migration und Arbeit")
    await dialog.tap(dialog.choices[0].label)
    assert dialog.keys == ["ask.country"]
    await dialog.say("Italien")
    assert dialog.keys == ["ask.email"], dialog.text
    await dialog.say("kontakt@example.org")
    await dialog.tap("Ja, Sie dürfen uns nennen")
    assert "[de] May we publish your full answers" in dialog.text, dialog.text
    await dialog.tap("Ja, veröffentlichen")
    await dialog.tap("Ja, erinnern Sie mich")
    assert dialog.keys == ["registered"]
    await dialog.command("/consult example")
    assert dialog.keys == ["session.intro", "ask.question.objectives"]
    assert "[de] Session 1: Regular pathways" in dialog.text
    await dialog.tap(dialog.choices[0].label)
    await dialog.tap("Fertig")
    await dialog.say("Zwei neue reguläre Wege.")
    await dialog.tap("Fertig")
    await dialog.tap("[de] Better data")
    assert "consultation.complete" in dialog.keys
    async with sqlite_db.transaction() as session:
        stakeholder = await session.scalar(select(Stakeholder))
        languages = set(await session.scalars(select(Answer.language)))
    assert (stakeholder.language, stakeholder.country) == ("de", "IT")
    assert languages == {"de"}
