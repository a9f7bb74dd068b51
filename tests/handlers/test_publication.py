"""The separate opt-in to publishing full answers: asked at registration, kept, editable, shown."""

from __future__ import annotations

import json

import pytest
import yaml
from sqlalchemy import select

from bot.engine.engine import Engine
from bot.pack import PACKS_DIR, Pack, parse_pack
from storage.db import Database
from storage.models import Stakeholder
from tests.dialog import LABELS, LANGUAGE_BUTTONS, Dialog, make_engine, register

QUESTION = {
    "es": "¿Puede publicar allí sus respuestas completas?",
    "en": "May it publish your full answers there?",
    "pt": "A Rede pode publicar ali as suas respostas completas?",
    "fr": "Peut-il y publier vos réponses complètes ?",
}
NO = {
    "es": "No las publiquen",
    "en": "No, don't publish",
    "pt": "Não publiquem",
    "fr": "Non, ne pas publier",
}


async def _stakeholder(engine: Engine) -> Stakeholder:
    async with engine.database.transaction() as session:
        found = await session.scalar(select(Stakeholder))
    assert found is not None
    return found


async def _until_publication(dialog: Dialog, language: str) -> None:
    labels = LABELS[language]
    await dialog.command("/start")
    await dialog.tap(LANGUAGE_BUTTONS[language])
    await dialog.tap(labels["agree"])
    await dialog.say("Red Migrante")
    await dialog.tap(dialog.choices[2].label)
    await dialog.say("Chile")
    await dialog.say("contact@example.org")
    await dialog.tap(labels["yes_name"])


@pytest.mark.parametrize("language", ["es", "en", "pt", "fr"])
async def test_registration_asks_separately_and_keeps_a_no(engine: Engine, language: str) -> None:
    """After naming, the pack's own question on publication; "no" is kept apart from naming."""
    dialog = Dialog(engine)
    await _until_publication(dialog, language)
    assert dialog.keys == ["ask.publication"]
    assert QUESTION[language] in dialog.text and "6/7" in dialog.text.splitlines()[0]
    await dialog.tap(NO[language])
    assert dialog.keys == ["ask.reminders"]
    stakeholder = await _stakeholder(engine)
    assert stakeholder.attribution_consent is True and stakeholder.publication_consent is False


async def test_a_typed_answer_that_is_no_button_changes_nothing(engine: Engine) -> None:
    """Text at the publication question says to tap a button; nothing is stored."""
    dialog = Dialog(engine)
    await _until_publication(dialog, "en")
    await dialog.say("maybe")
    assert dialog.keys == ["error.expected"]
    assert (await _stakeholder(engine)).publication_consent is None


async def test_profile_shows_and_changes_the_choice(engine: Engine) -> None:
    """/profile lists the choice; tapping it asks again, and "Yes" is stored."""
    dialog = Dialog(engine)
    await _until_publication(dialog, "en")
    await dialog.tap("No, don't publish")
    await dialog.tap(LABELS["en"]["remind"])
    await dialog.command("/profile")
    assert "• Publish our full answers: No" in dialog.text
    await dialog.tap("Publish our full answers")
    assert dialog.keys == ["ask.publication"]
    await dialog.tap("Yes, publish them")
    assert dialog.keys == ["profile.saved", "profile"]
    assert "• Publish our full answers: Yes" in dialog.text
    assert (await _stakeholder(engine)).publication_consent is True


async def test_mydata_includes_the_choice(engine: Engine) -> None:
    """/mydata's file holds the publication choice with the rest of the profile."""
    dialog = Dialog(engine)
    await register(dialog)
    await dialog.command("/mydata")
    document = dialog.replies[0].document
    assert document is not None
    profile = json.loads(document.content)["profile"]
    assert profile["publication_consent"] is True and profile["attribution_consent"] is True


async def test_a_pack_without_its_own_wording_asks_the_general_question(
    sqlite_db: Database, tmp_path
) -> None:
    """Without privacy.publication the catalog's question is asked, in the person's language."""
    raw = yaml.safe_load((PACKS_DIR / "lac-2025.yaml").read_text(encoding="utf-8"))
    del raw["privacy"]["publication"]
    pack: Pack = parse_pack(raw)
    dialog = Dialog(make_engine(sqlite_db, pack, tmp_path))
    await _until_publication(dialog, "es")
    assert dialog.keys == ["ask.publication"]
    assert "¿Podemos publicar sus respuestas completas?" in dialog.text
