"""An option's follow-up text through the engine: asked, resumed, stored, shown in /answers."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.engine.engine import Engine
from storage.models import Answer
from tests.dialog import DONE, Dialog, register

OTHER = {"es": "Otra", "en": "Other", "pt": "Outra", "fr": "Autre"}
WHICH = {
    "es": "¿Qué otra área?",
    "en": "Which other area?",
    "pt": "Qual outra área?",
    "fr": "Quel autre domaine ?",
}
BACK = {"es": "Volver", "en": "Back", "pt": "Voltar", "fr": "Retour"}
DESCRIBED = {
    "es": "Financiamiento; Otra: Remesas",
    "en": "Finance; Other: Remesas",
    "pt": "Financiamento; Outra: Remesas",
    "fr": "Financement; Autre : Remesas",
}


async def _stored(engine: Engine, question_key: str) -> dict | None:
    async with engine.database.transaction() as session:
        return await session.scalar(
            select(Answer.value).where(Answer.question_key == question_key, Answer.current)
        )


async def _at_national_plan(dialog: Dialog) -> None:
    """Register, then answer the general questions up to the national plan."""
    await register(dialog)
    await dialog.command("/consult general")
    await dialog.say("Fund migrant-led networks.")
    await dialog.tap("Done")
    await dialog.tap("Skip")  # the pledge
    assert dialog.keys == ["answer.saved", "ask.question.single_choice"], dialog.keys
    assert "It is being prepared" in [choice.label for choice in dialog.choices]


async def test_being_prepared_asks_how_the_process_is_planned(engine: Engine) -> None:
    """The option opens its text; two messages and Done store both in one answer."""
    dialog = Dialog(engine)
    await _at_national_plan(dialog)
    await dialog.tap("It is being prepared")
    assert dialog.keys == ["ask.follow_up"]
    assert "How is the process planned?" in dialog.text
    assert [choice.label for choice in dialog.choices] == ["Skip", "Back"]
    await dialog.say("The ministry of labour leads it.")
    assert dialog.keys == ["text.added"]
    await dialog.say("It should be ready in 2025.")
    await dialog.tap("Done")
    assert dialog.keys[:2] == ["answer.saved", "ask.question.text"]
    assert await _stored(engine, "national_plan") == {
        "option": "being_prepared",
        "text": "The ministry of labour leads it.\n\nIt should be ready in 2025.",
    }
    await dialog.command("/answers")
    await dialog.tap("General questions")
    await dialog.tap("3.")
    assert "It is being prepared: The ministry of labour leads it." in dialog.text


async def test_a_follow_up_resumes_where_it_was_and_old_buttons_go_stale(engine: Engine) -> None:
    """A stakeholder who drops off mid-text finds it again; the options' buttons are stale."""
    dialog = Dialog(engine)
    await _at_national_plan(dialog)
    options = list(dialog.choices)
    await dialog.tap("Yes, and my organization took part")
    assert "How did the process go?" in dialog.text
    await dialog.say("Three workshops in 2023.")
    await dialog.command("/consult")
    assert dialog.keys == ["ask.follow_up"] and "Send more text, or tap Done." in dialog.text
    await dialog.tap_data(options[3].data)  # "No", from the question's message
    assert dialog.keys[0] == "error.stale"
    assert await _stored(engine, "national_plan") is None
    await dialog.tap("Done")
    assert await _stored(engine, "national_plan") == {
        "option": "yes_took_part",
        "text": "Three workshops in 2023.",
    }


async def test_back_changes_the_choice_and_skip_keeps_it_alone(engine: Engine) -> None:
    """Back shows the options again; "No" then saves at once, with no text."""
    dialog = Dialog(engine)
    await _at_national_plan(dialog)
    await dialog.tap("Yes, but we did not take part")
    await dialog.tap("Back")
    assert dialog.keys == ["ask.question.single_choice"]
    await dialog.tap("No")
    assert await _stored(engine, "national_plan") == {"option": "no"}
    await dialog.command("/answers")
    await dialog.tap("General questions")
    await dialog.tap("3.")
    await dialog.tap("Change this answer")
    await dialog.tap("It is being prepared")
    await dialog.tap("Skip")
    assert dialog.keys[0] == "answer.saved"
    assert await _stored(engine, "national_plan") == {"option": "being_prepared"}


@pytest.mark.parametrize("language", ["es", "en", "pt", "fr"])
async def test_other_asks_which_area_in_the_stakeholders_language(
    engine: Engine, language: str
) -> None:
    """Ticking "Other" asks which area, in the stakeholder's language, and stores the text."""
    dialog = Dialog(engine)
    await register(dialog, language=language)
    await dialog.command("/consult inclusion")
    await dialog.tap(dialog.choices[0].label)  # an objective
    await dialog.tap(_done(language))
    for _ in range(2):  # progress and challenges
        await dialog.say("Texto.")
        await dialog.tap(_done(language))
    await dialog.tap(dialog.choices[0].label)  # finance
    await dialog.tap(OTHER[language])
    await dialog.tap(_done(language))
    assert dialog.keys == ["ask.follow_up"] and WHICH[language] in dialog.text
    assert [choice.label for choice in dialog.choices] == [BACK[language]]  # no Skip, no Done yet
    await dialog.attach("areas.pdf")  # a file is no text: nothing changes
    assert dialog.keys == ["error.expected"]
    await dialog.say("Remesas")
    await dialog.tap(_done(language))
    assert await _stored(engine, "cooperation") == {
        "options": ["finance", "other"],
        "texts": {"other": "Remesas"},
    }
    await dialog.command("/answers")
    await dialog.tap(dialog.choices[0].label)
    await dialog.tap("4.")
    assert DESCRIBED[language] in dialog.text, dialog.text


def _done(language: str) -> str:
    return {"es": DONE[1], "en": DONE[0], "pt": DONE[2], "fr": DONE[3]}[language]
