"""/consult and /answers: every answer type, progress, back and skip, resume, revisions."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.engine.engine import Engine
from bot.pack import QuestionType
from bot.questions import KINDS
from storage.models import Answer, Attachment, Pledge
from tests.dialog import Dialog, answer_current, make_engine, register


async def _answers(engine: Engine, current_only: bool = True) -> list[Answer]:
    async with engine.database.transaction() as session:
        query = select(Answer).order_by(Answer.id)
        if current_only:
            query = query.where(Answer.current.is_(True))
        return list(await session.scalars(query))


async def _answer(engine: Engine, question_key: str) -> Answer:
    return next(a for a in await _answers(engine) if a.question_key == question_key)


@pytest.mark.parametrize("language", ["en", "es"])
async def test_whole_thematic_session(engine: Engine, language: str) -> None:
    """Every question of session 1 is asked in order with progress, and every answer is stored."""
    dialog = Dialog(engine)
    await register(dialog, language=language)
    await dialog.command("/consult inclusion")
    session = engine.pack.sessions_by_key["inclusion"]
    assert dialog.keys[0] == "session.intro"
    for number, question in enumerate(session.questions, start=1):
        assert f"{number}/{len(session.questions)}" in dialog.text
        assert question.text[language] in dialog.text
        keys = await answer_current(dialog, text=f"Answer {number}")
    assert "session.complete" in keys
    stored = {answer.question_key: answer for answer in await _answers(engine)}
    assert set(stored) == {question.key for question in session.questions}
    assert stored["progress"].value == {"text": "Answer 2"}
    assert stored["objectives"].value == {"objectives": [session.objectives[0]]}
    assert stored["cooperation"].value == {"options": [session.questions[3].options[0].key]}
    assert stored["evidence"].value["filename"] == "evidence.pdf"
    assert all(answer.language == language for answer in stored.values())


async def test_text_answer_builds_from_several_messages(engine: Engine) -> None:
    """Several messages make one answer, saved when Done is tapped; Start over clears."""
    dialog = Dialog(engine)
    await register(dialog)
    await dialog.command("/consult inclusion")
    await dialog.tap(dialog.choices[0].label)
    await dialog.tap("Done")
    await dialog.say("First part.")
    assert dialog.keys == ["text.added"]
    await dialog.say("Second part.")
    await dialog.tap("Done")
    progress = await _answer(engine, "progress")
    assert progress.value == {"text": "First part.\n\nSecond part."}
    await dialog.say("Wrong start")
    await dialog.tap("Start over")
    await dialog.say("Right start")
    await dialog.tap("Done")
    challenges = await _answer(engine, "challenges")
    assert challenges.value == {"text": "Right start"}


async def test_long_answer_beyond_one_chat_message(sqlite_engine: Engine) -> None:
    """An answer far longer than one Telegram message (4,096 characters) is kept whole."""
    dialog = Dialog(sqlite_engine)
    await register(dialog)
    await dialog.command("/consult inclusion")
    await dialog.tap(dialog.choices[0].label)
    await dialog.tap("Done")
    chunk = "x" * 4000
    for _ in range(3):
        await dialog.say(chunk)
    await dialog.tap("Done")
    progress = await _answer(sqlite_engine, "progress")
    assert len(progress.value["text"]) == 3 * 4000 + 2 * 2


async def test_back_and_skip(sqlite_engine: Engine) -> None:
    """Back returns to the previous question; Skip records an optional question as skipped."""
    dialog = Dialog(sqlite_engine)
    await register(dialog)
    await dialog.command("/consult inclusion")
    await answer_current(dialog)
    assert "2/6" in dialog.text
    await dialog.tap("Back")
    assert "1/6" in dialog.text and "Keep my answer" in [c.label for c in dialog.choices]
    await dialog.tap("Keep my answer")
    assert "2/6" in dialog.text
    assert "Skip" not in [c.label for c in dialog.choices]  # progress is not optional
    for _ in range(3):
        await answer_current(dialog)
    assert "5/6" in dialog.text
    await dialog.tap("Skip")
    skipped = await _answer(sqlite_engine, "practices")
    assert skipped.value == {"skipped": True}


async def test_single_choice_and_pledge_in_general_questions(sqlite_engine: Engine) -> None:
    """The general questions store a pledge with its objectives, partners and timeline."""
    dialog = Dialog(sqlite_engine)
    await register(dialog)
    await dialog.command("/consult general")
    for _ in sqlite_engine.pack.sessions_by_key["general"].questions:
        await answer_current(dialog)
    async with sqlite_engine.database.transaction() as session:
        pledge = await session.scalar(select(Pledge))
    assert pledge is not None
    assert (pledge.title, pledge.partners, pledge.timeline) == (
        "Open a shelter network",
        "City of Santiago",
        "By December 2026",
    )
    assert pledge.objectives == [1]
    stored = {a.question_key: a.value for a in await _answers(sqlite_engine)}
    assert stored["national_plan"] == {"option": "yes_took_part", "text": "An answer"}


async def test_attachment_answer_is_stored_as_reference(sqlite_engine: Engine) -> None:
    """A document answer keeps the platform's file reference and links it to the answer."""
    dialog = Dialog(sqlite_engine)
    await register(dialog)
    await dialog.command("/consult inclusion")
    for _ in range(5):
        await dialog.tap("Skip") if "Skip" in [c.label for c in dialog.choices] else (
            await answer_current(dialog)
        )
    await dialog.say("not a file")
    assert dialog.keys == ["error.expected"]
    await dialog.attach("report.pdf")
    async with sqlite_engine.database.transaction() as session:
        attachment = await session.scalar(select(Attachment))
    answer = await _answer(sqlite_engine, "evidence")
    assert attachment.platform_file_id == "file-report.pdf"
    assert attachment.answer_id == answer.id and answer.value["attachment_id"] == attachment.id


async def test_resume_days_later_at_the_same_question(
    sqlite_engine: Engine, pack, tmp_path
) -> None:
    """A new engine on the same database (a restart) resumes mid-session and mid-answer."""
    dialog = Dialog(sqlite_engine)
    await register(dialog)
    await dialog.command("/consult inclusion")
    await answer_current(dialog)
    await dialog.say("Half of my answer")
    restarted = Dialog(make_engine(sqlite_engine.database, pack, tmp_path))
    await restarted.say("and the other half.")
    await restarted.tap("Done")
    progress = await _answer(sqlite_engine, "progress")
    assert progress.value == {"text": "Half of my answer\n\nand the other half."}
    await restarted.command("/consult")
    assert "3/6" in restarted.text


async def test_consult_lists_sessions_with_progress(sqlite_engine: Engine) -> None:
    """/consult shows every session of the pack with how much is answered."""
    dialog = Dialog(sqlite_engine)
    await register(dialog)
    await dialog.command("/consult inclusion")
    await answer_current(dialog)
    await dialog.command("/cancel")
    await dialog.command("/consult")
    labels = [choice.label for choice in dialog.choices]
    assert len(labels) == len(sqlite_engine.pack.sessions)
    assert labels[0].endswith("(1/6)") and labels[1].endswith("(0/6)")


async def test_edit_through_answers_keeps_revisions(engine: Engine) -> None:
    """/answers opens an answer, Change re-asks it, and the earlier revision stays stored."""
    dialog = Dialog(engine)
    await register(dialog)
    await dialog.command("/consult inclusion")
    await answer_current(dialog)
    await answer_current(dialog, text="First version")
    await dialog.command("/answers")
    assert dialog.keys == ["answers"]
    await dialog.tap("Inclusion")
    assert dialog.keys == ["answers.session"]
    await dialog.tap("2.")
    assert "First version" in dialog.text
    await dialog.tap("Change this answer")
    await dialog.say("Second version")
    await dialog.tap("Done")
    assert dialog.keys[-1] == "answers.session"
    revisions = [
        a for a in await _answers(engine, current_only=False) if a.question_key == "progress"
    ]
    assert [(a.revision, a.current, a.value["text"]) for a in revisions] == [
        (1, False, "First version"),
        (2, True, "Second version"),
    ]


async def test_edited_message_updates_answer_being_written(sqlite_engine: Engine) -> None:
    """Editing a message still being collected replaces its text; other edits are explained."""
    dialog = Dialog(sqlite_engine)
    await register(dialog)
    await dialog.command("/consult inclusion")
    await answer_current(dialog)
    await dialog.say("Typo here", message_ref="m1")
    from bot.core.messages import InboundKind

    await dialog.send_kind(InboundKind.EDIT, text="No typo here", message_ref="m1")
    assert dialog.keys == ["text.edited"]
    await dialog.send_kind(InboundKind.EDIT, text="Old message", message_ref="m0")
    assert dialog.keys == ["edit.ignored"]
    await dialog.tap("Done")
    progress = await _answer(sqlite_engine, "progress")
    assert progress.value == {"text": "No typo here"}


def test_every_question_type_is_in_the_bundled_pack(pack) -> None:
    """The bundled pack exercises every answer type of the first mission (scale came after)."""
    used = {q.type for s in pack.sessions for q in s.questions}
    assert used == set(QuestionType) == set(KINDS) - {"scale"}


async def test_consult_for_the_session_under_way_keeps_the_text_being_written(
    sqlite_engine: Engine,
) -> None:
    """/consult inclusion mid-answer resumes the question with the parts already sent."""
    dialog = Dialog(sqlite_engine)
    await register(dialog)
    await dialog.command("/consult inclusion")
    await answer_current(dialog)  # objectives
    await dialog.say("First part.")
    await dialog.command("/consult inclusion")
    assert dialog.keys == ["ask.question.text"]
    assert "Send more text, or tap Done." in dialog.text
    await dialog.tap("Done")
    progress = await _answer(sqlite_engine, "progress")
    assert progress.value == {"text": "First part."}
