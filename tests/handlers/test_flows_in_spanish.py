"""Every stakeholder flow walked in Spanish: the keys are the same, the words are Spanish."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.engine.engine import Engine
from storage.models import Answer, Stakeholder
from tests.dialog import Dialog, answer_current, register

ENGLISH_STARTS = ("I ", "That", "Sorry", "Please", "What", "You", "Your", "Here", "Tap", "Saved")


def _spanish(dialog: Dialog) -> None:
    for reply in dialog.replies:
        assert not reply.text.startswith(ENGLISH_STARTS), reply.text
        for choice in reply.choices:
            assert choice.label not in ("Done", "Back", "Skip", "Menu"), choice.label


async def test_every_flow_in_spanish(engine: Engine) -> None:
    """Profile, consultation, answers, roadmap, reminders, help, mydata and forget in Spanish."""
    dialog = Dialog(engine)
    await register(dialog, language="es")
    steps = [
        ("/profile", ["profile"]),
        ("tap:Organización", ["ask.organization"]),
        ("Red Migrante Andina", ["profile.saved", "profile"]),
        ("tap:Listo", ["menu"]),
        ("/consult inclusion", ["session.intro", "ask.question.objectives"]),
        ("answer", None),
        ("answer", None),
        ("/answers", ["answers"]),
        ("tap:Inclusión", ["answers.session"]),
        ("tap:2.", ["answers.answer"]),
        ("tap:Cambiar esta respuesta", ["ask.question.text"]),
        ("Nueva versión", ["text.added"]),
        ("tap:Listo", ["answer.saved", "answers.session"]),
        ("/roadmap", ["roadmap"]),
        ("tap:Agregar a mi calendario", ["roadmap.ics"]),
        ("/reminders", ["reminders.on"]),
        ("tap:Desactivar recordatorios", ["reminders.off"]),
        ("/help", ["help"]),
        ("/cancel", ["cancelled"]),
        ("/mydata", ["mydata"]),
        ("/forget", ["ask.forget"]),
        ("tap:No, conservar mis datos", ["menu"]),
    ]
    for action, keys in steps:
        if action == "answer":
            await answer_current(dialog)
            continue
        if action.startswith("/"):
            await dialog.command(action)
        elif action.startswith("tap:"):
            await dialog.tap(action[4:])
        else:
            await dialog.say(action)
        assert dialog.keys == keys, (action, dialog.keys)
        _spanish(dialog)
    async with engine.database.transaction() as session:
        stakeholder = await session.scalar(select(Stakeholder))
        revisions = await session.scalar(
            select(func.count()).select_from(Answer).where(Answer.question_key == "progress")
        )
    assert stakeholder.organization == "Red Migrante Andina"
    assert stakeholder.reminders_opt_in is False and revisions == 2
    await dialog.command("/forget")
    await dialog.tap("Sí, borrar todo")
    assert dialog.keys == ["forgotten"]
    _spanish(dialog)
