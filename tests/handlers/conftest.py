"""Fixtures of the flow tests: an engine on each backend, and a stakeholder who registers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.engine import Engine
from bot.pack import Pack
from bot.settings import load_settings
from storage.db import Database
from tests.dialog import Dialog

LABELS = {
    "en": {"agree": "I agree", "yes_name": "Yes, you may name us", "remind": "Yes, remind me"},
    "es": {"agree": "Acepto", "yes_name": "Sí, pueden nombrarnos", "remind": "Sí, recordarme"},
}


def make_engine(database: Database, pack: Pack, tmp_path: Any, **settings: Any) -> Engine:
    current = load_settings(
        database_url=database.url, attachments_dir=str(tmp_path / "files"), **settings
    )
    return Engine(database, pack, current)


@pytest.fixture
async def engine(db: Database, pack: Pack, tmp_path) -> AsyncIterator[Engine]:
    """An engine over the parametrised database (SQLite file, then PostgreSQL)."""
    yield make_engine(db, pack, tmp_path)


@pytest.fixture
async def sqlite_engine(sqlite_db: Database, pack: Pack, tmp_path) -> AsyncIterator[Engine]:
    yield make_engine(sqlite_db, pack, tmp_path)


async def register(
    dialog: Dialog, language: str = "en", country: str = "Chile", organization: str = "Red Migrante"
) -> None:
    """Walk the whole registration with typical answers."""
    labels = LABELS[language]
    await dialog.command("/start")
    await dialog.tap("English" if language == "en" else "Español")
    await dialog.tap(labels["agree"])
    await dialog.say(organization)
    await dialog.tap(dialog.choices[2].label)  # migrant-led organizations
    await dialog.say(country)
    await dialog.say("contact@example.org")
    await dialog.tap(labels["yes_name"])
    await dialog.tap(labels["remind"])
    assert dialog.keys == ["registered"], dialog.keys


async def answer_current(dialog: Dialog, text: str = "An answer") -> list[str]:
    """Answer whatever question is shown, by its type, and return the reply keys."""
    kind = next(key for key in dialog.keys if key.startswith("ask.question.")).split(".")[-1]
    if kind == "text":
        await dialog.say(text)
        await dialog.tap("Done" if _english(dialog) else "Listo")
    elif kind in ("objectives", "multiple_choice"):
        await dialog.tap(dialog.choices[0].label)
        await dialog.tap("Done" if _english(dialog) else "Listo")
    elif kind == "single_choice":
        await dialog.tap(dialog.choices[0].label)
    elif kind == "attachment":
        await dialog.attach("evidence.pdf")
    elif kind == "pledge":
        await dialog.tap(dialog.choices[0].label)
        await dialog.say("Open a shelter network")
        await dialog.tap(dialog.choices[0].label)
        await dialog.tap("Done" if _english(dialog) else "Listo")
        await dialog.say("City of Santiago")
        await dialog.say("By December 2026")
    return dialog.keys


def _english(dialog: Dialog) -> bool:
    return any(choice.label in ("Done", "Back", "Skip") for choice in dialog.choices)
