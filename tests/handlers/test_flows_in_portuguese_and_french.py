"""Every stakeholder flow in Portuguese and French: the same keys, the reader's own words."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.engine.engine import Engine
from storage.models import Answer, Stakeholder
from tests.dialog import Dialog, answer_current, register

ENGLISH_STARTS = ("I ", "That", "Sorry", "Please", "What", "You", "Your", "Here", "Tap", "Saved")
FOREIGN_BUTTONS = ("Done", "Back", "Skip", "Listo", "Volver", "Omitir", "Sí", "Yes")

WORDS = {
    "pt": {
        "organization": "Organização",
        "done": "Pronto",
        "session": "Inclusão",
        "change": "Mudar esta resposta",
        "calendar": "Adicionar à minha agenda",
        "reminders_off": "Desativar lembretes",
        "keep": "Não, manter meus dados",
        "erase": "Sim, apagar tudo",
        "intro": "Sessão 1: Inclusão",
    },
    "fr": {
        "organization": "Organisation",
        "done": "Terminé",
        "session": "Inclusion",
        "change": "Modifier cette réponse",
        "calendar": "Ajouter à mon agenda",
        "reminders_off": "Désactiver les rappels",
        "keep": "Non, garder mes données",
        "erase": "Oui, tout effacer",
        "intro": "Session 1 : Inclusion",
    },
}


def _in_own_language(dialog: Dialog) -> None:
    for reply in dialog.replies:
        assert not reply.text.startswith(ENGLISH_STARTS), reply.text
        for choice in reply.choices:
            assert choice.label not in FOREIGN_BUTTONS, choice.label


@pytest.mark.parametrize("language", ["pt", "fr"])
async def test_every_flow_in_portuguese_and_french(engine: Engine, language: str) -> None:
    """Profile, a whole session, answers, roadmap, reminders, help, mydata and forget."""
    words = WORDS[language]
    dialog = Dialog(engine)
    await register(dialog, language=language)
    steps = [
        ("/profile", ["profile"]),
        (f"tap:{words['organization']}", ["ask.organization"]),
        ("Rede Migrante Andina", ["profile.saved", "profile"]),
        (f"tap:{words['done']}", ["menu"]),
        ("/consult inclusion", ["session.intro", "ask.question.objectives"]),
    ]
    for action, keys in steps:
        await _act(dialog, action)
        assert dialog.keys == keys, (action, dialog.keys)
        _in_own_language(dialog)
    assert words["intro"] in dialog.text
    for _ in range(len(engine.pack.sessions_by_key["inclusion"].questions)):
        keys = await answer_current(dialog)
        _in_own_language(dialog)
    assert "session.complete" in keys
    steps = [
        ("/answers", ["answers"]),
        (f"tap:{words['session']}", ["answers.session"]),
        ("tap:2.", ["answers.answer"]),
        (f"tap:{words['change']}", ["ask.question.text"]),
        ("Nova versão / nouvelle version", ["text.added"]),
        (f"tap:{words['done']}", ["answer.saved", "answers.session"]),
        ("/roadmap", ["roadmap"]),
        (f"tap:{words['calendar']}", ["roadmap.ics"]),
        ("/reminders", ["reminders.on"]),
        (f"tap:{words['reminders_off']}", ["reminders.off"]),
        ("/help", ["help"]),
        ("/cancel", ["cancelled"]),
        ("/mydata", ["mydata"]),
        ("/forget", ["ask.forget"]),
        (f"tap:{words['keep']}", ["menu"]),
    ]
    for action, keys in steps:
        await _act(dialog, action)
        assert dialog.keys == keys, (action, dialog.keys)
        _in_own_language(dialog)
    async with engine.database.transaction() as session:
        stakeholder = await session.scalar(select(Stakeholder))
        revisions = await session.scalar(
            select(func.count()).select_from(Answer).where(Answer.question_key == "progress")
        )
        languages = set(await session.scalars(select(Answer.language)))
    assert stakeholder.language == language and stakeholder.reminders_opt_in is False
    assert revisions == 2 and languages == {language}
    await dialog.command("/forget")
    await dialog.tap(words["erase"])
    assert dialog.keys == ["forgotten"]
    _in_own_language(dialog)


async def _act(dialog: Dialog, action: str) -> None:
    if action.startswith("/"):
        await dialog.command(action)
    elif action.startswith("tap:"):
        await dialog.tap(action[4:])
    else:
        await dialog.say(action)


@pytest.mark.parametrize(
    ("locale", "first", "question"),
    [
        ("pt-BR", "Português", "Escolha seu idioma"),
        ("pt", "Português", "Escolha seu idioma"),
        ("fr-HT", "Français", "Choisissez votre langue"),
        ("fr-FR", "Français", "Choisissez votre langue"),
        ("es-419", "Español", "Elija su idioma"),
    ],
)
async def test_platform_locale_offers_its_language_first(
    sqlite_engine: Engine, locale: str, first: str, question: str
) -> None:
    """A pt-BR phone sees Português first and the question in Portuguese first, and so on."""
    dialog = Dialog(sqlite_engine, locale=locale)
    await dialog.command("/start")
    assert dialog.keys == ["ask.language"]
    assert dialog.choices[0].label == first
    assert dialog.replies[0].text.startswith(question)
    assert {choice.label for choice in dialog.choices} == {
        "Español",
        "English",
        "Português",
        "Français",
    }


async def test_an_unknown_locale_keeps_the_pack_order(sqlite_engine: Engine) -> None:
    """A locale the pack lacks (German) offers the pack's languages in their own order."""
    dialog = Dialog(sqlite_engine, locale="de-DE")
    await dialog.command("/start")
    assert [choice.label for choice in dialog.choices] == [
        "Español",
        "English",
        "Português",
        "Français",
    ]
    assert dialog.replies[0].text.startswith("Elija su idioma")
