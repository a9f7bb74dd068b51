"""Question types as pure functions: shown, parsed and described without a database."""

from __future__ import annotations

from typing import Any

import pytest

from bot.core.i18n import translator
from bot.core.messages import AttachmentRef, InboundKind
from bot.pack import Pack, Question, Session
from bot.questions import (
    KINDS,
    Answered,
    AnswerInput,
    Asked,
    Expected,
    Progress,
    Refused,
    Skipped,
    Unreadable,
    describe,
    kind_of,
    read_value,
)
from bot.questions.kinds.objectives import ObjectivesValue
from bot.questions.kinds.pledge import PledgeValue
from bot.questions.kinds.text import TextValue


def question(pack: Pack, session_key: str, question_key: str) -> tuple[Session, Question]:
    session = pack.sessions_by_key[session_key]
    return session, next(q for q in session.questions if q.key == question_key)


def asked(pack: Pack, session_key: str, key: str, state: dict[str, Any] | None = None, lang="en"):
    session, found = question(pack, session_key, key)
    return Asked(pack, session, found, translator(lang), state or {})


def text(value: str, ref: str | None = None) -> AnswerInput:
    return AnswerInput(InboundKind.TEXT, text=value, message_ref=ref)


def tap(value: str) -> AnswerInput:
    return AnswerInput(InboundKind.CHOICE, chosen=value)


def test_every_kind_module_defines_one_kind() -> None:
    """Each module of bot/questions/kinds is found, and each kind has its own name."""
    from pathlib import Path

    import bot.questions.kinds as package

    modules = {p.stem for p in Path(package.__path__[0]).glob("*.py") if p.stem != "__init__"}
    assert set(KINDS) == modules


def test_text_collects_parts_until_done(pack: Pack) -> None:
    """Parts add up with a count; Done joins them; Done with nothing written is not an answer."""
    first = kind_of(asked(pack, "inclusion", "progress").question).parse(
        asked(pack, "inclusion", "progress"), text("First part.", "m1")
    )
    assert isinstance(first, Progress) and first.notice and first.notice.key == "text.added"
    state = dict(first.state)
    done = KINDS["text"].parse(asked(pack, "inclusion", "progress", state), tap("done"))
    assert done == Answered(TextValue(text="First part."))
    empty = KINDS["text"].parse(asked(pack, "inclusion", "progress"), tap("done"))
    assert isinstance(empty, Expected)


def test_text_refuses_an_empty_or_too_long_message(pack: Pack) -> None:
    """Blank text and text over the question's limit are refused with their own keys."""
    at = asked(pack, "inclusion", "progress")
    blank = KINDS["text"].parse(at, text("   "))
    long = KINDS["text"].parse(at, text("x" * (at.question.max_length + 1)))
    assert isinstance(blank, Refused) and blank.key == "error.empty"
    assert isinstance(long, Refused) and long.key == "error.long"


def test_an_edit_replaces_its_part_within_the_limit(pack: Pack) -> None:
    """Editing a sent part replaces it; an edit past the length limit is refused."""
    state = {"parts": [{"ref": "m1", "text": "Typo"}]}
    at = asked(pack, "inclusion", "progress", state)
    edited = KINDS["text"].edit(at, text("No typo", "m1"))
    assert isinstance(edited, Progress) and edited.state["parts"][0]["text"] == "No typo"
    too_long = KINDS["text"].edit(at, text("x" * (at.question.max_length + 1), "m1"))
    assert isinstance(too_long, Refused) and too_long.key == "error.long"
    assert KINDS["text"].edit(at, text("Other", "m9")) is None


def test_multiple_choice_toggles_by_button_or_label(pack: Pack) -> None:
    """A tap or a typed label toggles an option; Done keeps the pack's order."""
    session, found = question(pack, "inclusion", "cooperation")
    first, second = (option.key for option in found.options[:2])
    kind = KINDS["multiple_choice"]
    state: dict[str, Any] = {}
    for value in (f"o:{second}", f"o:{first}"):
        result = kind.parse(Asked(pack, session, found, translator("en"), state), tap(value))
        assert isinstance(result, Progress)
        state = dict(result.state)
    label = Asked(pack, session, found, translator("en")).option_label(second)
    result = kind.parse(Asked(pack, session, found, translator("en"), state), text(label.upper()))
    assert isinstance(result, Progress) and result.state["selected"] == [first]
    shown = kind.show(Asked(pack, session, found, translator("en"), state))
    assert shown.options[0][1].startswith("✓ ")


def test_objectives_accept_typed_numbers_of_the_session_only(pack: Pack) -> None:
    """'14, 15' selects both; a number outside the session's objectives is refused."""
    at = asked(pack, "inclusion", "objectives")
    both = KINDS["objectives"].parse(at, text("14, 15"))
    assert isinstance(both, Progress) and both.state["selected"] == [14, 15]
    assert isinstance(KINDS["objectives"].parse(at, text("14 2")), Expected)
    done = KINDS["objectives"].parse(
        asked(pack, "inclusion", "objectives", both.state), tap("done")
    )
    assert done == Answered(ObjectivesValue(objectives=[14, 15]))


def test_attachment_wants_a_file(pack: Pack) -> None:
    """Text at a file question says what is expected; a kept file is the answer, beside it."""
    at = asked(pack, "inclusion", "evidence")
    assert isinstance(KINDS["attachment"].parse(at, text("here")), Expected)
    unkept = AttachmentRef("f1", "voice", "note.ogg")
    refused = KINDS["attachment"].parse(at, AnswerInput(InboundKind.ATTACHMENT, attachment=unkept))
    assert isinstance(refused, Refused) and refused.key == "error.file_not_kept"
    ref = AttachmentRef("f1", "voice", "note.ogg", stored_path="/store/console/f1-note.ogg")
    result = KINDS["attachment"].parse(at, AnswerInput(InboundKind.ATTACHMENT, attachment=ref))
    assert isinstance(result, Answered) and result.attachment == ref
    assert describe(result.value, at) == "Voice note: note.ogg"


def test_a_pledge_goes_through_its_four_steps(pack: Pack) -> None:
    """Make a pledge, then title, objectives, partners (skipped) and timeline give one value."""
    kind, state = KINDS["pledge"], {}
    steps = [tap("pledge"), text("Open  shelters"), tap("n:5"), tap("done"), tap("skip")]
    for given in steps:
        result = kind.parse(asked(pack, "general", "pledge", state), given)
        assert isinstance(result, Progress), result
        state = dict(result.state)
    assert kind.show(asked(pack, "general", "pledge", state)).key == "ask.pledge.timeline"
    final = kind.parse(asked(pack, "general", "pledge", state), text("By 2026"))
    assert final == Answered(
        PledgeValue(title="Open shelters", objectives=[5], partners=None, timeline="By 2026")
    )


def test_stored_json_reads_back_typed_and_unchanged(pack: Pack) -> None:
    """Rows keep their first-mission JSON; reading validates it against the question's type."""
    _, progress = question(pack, "inclusion", "progress")
    value = read_value(progress, {"text": "Hola"})
    assert value == TextValue(text="Hola") and value.stored() == {"text": "Hola"}
    assert read_value(progress, {"skipped": True}) == Skipped()
    assert isinstance(read_value(progress, {"option": "x"}), Unreadable)
    assert isinstance(read_value(None, {"text": "a question no longer in the pack"}), Unreadable)


def test_describe_says_what_is_missing(pack: Pack) -> None:
    """No answer and a skipped one read as such, in the asked language."""
    at = asked(pack, "inclusion", "progress", lang="es")
    assert describe(None, at) == "(sin responder)"
    assert describe(Skipped(), at) == "(omitida)"


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_says_what_it_expects_of_a_sticker(pack: Pack, kind: str) -> None:
    """Input no type can use (a sticker) gets an Expected or Refused, never an answer."""
    session = pack.sessions_by_key["inclusion"]
    found = Question.model_validate(
        {
            "key": "q",
            "type": kind,
            "text": {"es": "¿?", "en": "?"},
            "options": [{"key": "a", "label": {"es": "A", "en": "A"}}] * 2
            if "choice" in kind
            else [],
        }
    )
    result = KINDS[kind].parse(
        Asked(pack, session, found, translator("en")), AnswerInput(InboundKind.UNSUPPORTED)
    )
    assert isinstance(result, Expected | Refused)
