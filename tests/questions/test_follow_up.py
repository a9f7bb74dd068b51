"""Options that ask for a text once chosen (`follow_up`), as pure functions on lac-2025.

The national plan's "yes" and "being prepared" ask how the process went or is planned (Annex 1);
the cooperation areas end with "Other", which asks which.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from bot.core.i18n import translator
from bot.core.messages import InboundKind
from bot.pack import PACKS_DIR, Pack, PackError, Question, parse_pack
from bot.questions import (
    KINDS,
    Answered,
    AnswerInput,
    Asked,
    Expected,
    Progress,
    Refused,
    describe,
    read_value,
)
from bot.questions.follow_up import BACK, FOLLOW, SKIP
from bot.questions.kinds.multiple_choice import OptionsValue
from bot.questions.kinds.single_choice import OptionValue

SINGLE, MULTIPLE = KINDS["single_choice"], KINDS["multiple_choice"]


def plan(pack: Pack, state: dict[str, Any] | None = None, lang: str = "en") -> Asked:
    session = pack.sessions_by_key["general"]
    found = next(q for q in session.questions if q.key == "national_plan")
    return Asked(pack, session, found, translator(lang), state or {})


def areas(pack: Pack, state: dict[str, Any] | None = None, lang: str = "en") -> Asked:
    session = pack.sessions_by_key["inclusion"]
    found = next(q for q in session.questions if q.key == "cooperation")
    return Asked(pack, session, found, translator(lang), state or {})


def text(value: str, ref: str | None = None) -> AnswerInput:
    return AnswerInput(InboundKind.TEXT, text=value, message_ref=ref)


def tap(value: str) -> AnswerInput:
    return AnswerInput(InboundKind.CHOICE, chosen=value)


def run(kind: Any, at: Any, pack: Pack, inputs: list[AnswerInput], lang: str = "en") -> Any:
    """Feed inputs one by one, carrying the state as the consultation's draft does."""
    state: dict[str, Any] = {}
    result: Any = None
    for given in inputs:
        result = kind.parse(at(pack, state, lang), given)
        if isinstance(result, Progress):
            state = {**state, **result.state}
    return result, state


def test_being_prepared_is_offered_after_the_two_yeses(pack: Pack) -> None:
    """The national plan offers "being prepared" between the yeses and "no", in every language."""
    keys = [option.key for option in plan(pack).question.options]
    assert keys == ["yes_took_part", "yes_not_part", "being_prepared", "no", "dont_know"]
    labels = {lang: plan(pack, lang=lang).option_label("being_prepared") for lang in pack.languages}
    assert labels == {
        "es": "Se está preparando",
        "en": "It is being prepared",
        "pt": "Está em preparação",
        "fr": "Il est en préparation",
    }


def test_an_option_with_a_follow_up_asks_for_the_process(pack: Pack) -> None:
    """Choosing "being prepared" opens the question's own step, asking how it is planned."""
    result = SINGLE.parse(plan(pack), tap("o:being_prepared"))
    assert isinstance(result, Progress) and result.state[FOLLOW] == "being_prepared"
    shown = SINGLE.show(plan(pack, dict(result.state)))
    assert (shown.step, shown.key) == ("follow_up.being_prepared", "ask.follow_up")
    assert "You chose: It is being prepared" in shown.text
    assert "How is the process planned?" in shown.text
    assert [value for value, _ in shown.options] == [SKIP, BACK]  # optional: it can be skipped


def test_the_text_is_written_in_parts_and_stored_with_the_choice(pack: Pack) -> None:
    """Two messages, then Done: one answer holding the option and the joined text."""
    inputs = [tap("o:yes_took_part"), text("A ministry led it.", "m1"), text("We sat on it.")]
    result, _ = run(SINGLE, plan, pack, [*inputs, tap("done")])
    expected = OptionValue(option="yes_took_part", text="A ministry led it.\n\nWe sat on it.")
    assert result == Answered(expected)
    assert expected.stored() == {"option": "yes_took_part", "text": expected.text}


def test_skip_keeps_the_choice_without_a_text(pack: Pack) -> None:
    """An optional follow-up skipped stores the option alone, as rows did before."""
    result, _ = run(SINGLE, plan, pack, [tap("o:being_prepared"), tap(SKIP)])
    assert result == Answered(OptionValue(option="being_prepared"))
    assert result.value.stored() == {"option": "being_prepared"}


def test_back_returns_to_the_options(pack: Pack) -> None:
    """Back from the text shows the question's buttons again; another option then answers."""
    _, state = run(SINGLE, plan, pack, [tap("o:yes_not_part"), text("Half"), tap(BACK)])
    shown = SINGLE.show(plan(pack, state))
    assert shown.step is None and shown.options[0][0] == "o:yes_took_part"
    assert SINGLE.parse(plan(pack, state), tap("o:no")) == Answered(OptionValue(option="no"))


def test_an_option_without_a_follow_up_answers_at_once(pack: Pack) -> None:
    """ "No" and "I don't know" answer with one tap, as before."""
    assert SINGLE.parse(plan(pack), tap("o:dont_know")) == Answered(OptionValue(option="dont_know"))


def test_done_with_nothing_written_says_what_is_expected(pack: Pack) -> None:
    """Done before any text, or a file, at the follow-up asks for text and saves nothing."""
    for given in (tap("done"), AnswerInput(InboundKind.ATTACHMENT)):
        result, _ = run(SINGLE, plan, pack, [tap("o:being_prepared"), given])
        assert isinstance(result, Expected), given


def test_an_edited_part_of_the_follow_up_replaces_it(pack: Pack) -> None:
    """Editing a sent part of the text updates it, as in a text question."""
    _, state = run(SINGLE, plan, pack, [tap("o:being_prepared"), text("Typo", "m1")])
    edited = SINGLE.edit(plan(pack, state), text("No typo", "m1"))
    assert isinstance(edited, Progress) and edited.state["parts"][0]["text"] == "No typo"
    assert SINGLE.edit(plan(pack), text("No typo", "m1")) is None  # not writing: nothing to edit


def test_other_asks_which_area_and_must_say_it(pack: Pack) -> None:
    """ "Other" among the areas asks which, with no Skip; its text is stored by option key."""
    _, state = run(MULTIPLE, areas, pack, [tap("o:finance"), tap("o:other"), tap("done")])
    shown = MULTIPLE.show(areas(pack, state))
    assert shown.key == "ask.follow_up" and "Which other area?" in shown.text
    assert [value for value, _ in shown.options] == [BACK]
    result, _ = run(
        MULTIPLE, areas, pack, [tap("o:other"), tap("o:finance"), tap("done"), text("Remittances")]
    )
    assert isinstance(result, Progress) and result.notice and result.notice.key == "text.added"
    result, _ = run(
        MULTIPLE,
        areas,
        pack,
        [tap("o:other"), tap("o:finance"), tap("done"), text("Remittances"), tap("done")],
    )
    assert result == Answered(
        OptionsValue(options=["finance", "other"], texts={"other": "Remittances"})
    )


def test_other_past_its_length_is_refused(pack: Pack) -> None:
    """ "Other" takes a few words: past its 500 characters the text is refused."""
    result, _ = run(MULTIPLE, areas, pack, [tap("o:other"), tap("done"), text("x" * 501)])
    assert isinstance(result, Refused) and result.key == "error.long"


def test_back_from_other_keeps_the_selection(pack: Pack) -> None:
    """Back from "Other"'s text returns to the ticked buttons, the selection kept."""
    _, state = run(MULTIPLE, areas, pack, [tap("o:data"), tap("o:other"), tap("done"), tap(BACK)])
    shown = MULTIPLE.show(areas(pack, state))
    ticked = [value for value, label in shown.options if label.startswith("✓ ")]
    assert shown.step is None and ticked == ["o:data", "o:other"]
    result = MULTIPLE.parse(areas(pack, state), tap("o:other"))
    assert isinstance(result, Progress)
    done = MULTIPLE.parse(areas(pack, {**state, **result.state}), tap("done"))
    assert done == Answered(OptionsValue(options=["data"]))


def test_rows_stored_before_follow_ups_read_back_unchanged(pack: Pack) -> None:
    """Old rows have no text: they read back typed, and store as the same JSON."""
    single = read_value(plan(pack).question, {"option": "yes_not_part"})
    multiple = read_value(areas(pack).question, {"options": ["finance", "data"]})
    assert single == OptionValue(option="yes_not_part") and single.text is None
    assert multiple == OptionsValue(options=["finance", "data"]) and multiple.texts == {}
    assert single.stored() == {"option": "yes_not_part"}
    assert multiple.stored() == {"options": ["finance", "data"]}
    assert describe(single, plan(pack)) == "Yes, but we did not take part"


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("es", "Se está preparando: Un decreto.; Otra: Remesas"),
        ("en", "It is being prepared: Un decreto.; Other: Remesas"),
        ("pt", "Está em preparação: Un decreto.; Outra: Remesas"),
        ("fr", "Il est en préparation : Un decreto.; Autre : Remesas"),
    ],
)
def test_described_with_the_text_in_every_language(pack: Pack, lang: str, expected: str) -> None:
    """An answer with its text reads "label: text", punctuated as the language does."""
    single = OptionValue(option="being_prepared", text="Un decreto.")
    multiple = OptionsValue(options=["other"], texts={"other": "Remesas"})
    worded = (
        f"{describe(single, plan(pack, lang=lang))}; {describe(multiple, areas(pack, lang=lang))}"
    )
    assert worded == expected
    assert SINGLE.written(single, plan(pack, lang=lang)) == expected.split("; ")[0]
    assert SINGLE.written(OptionValue(option="no"), plan(pack, lang=lang)) == ""


def test_the_texts_get_a_column_only_where_an_option_asks(pack: Pack) -> None:
    """option_text is a column of questions with a follow-up; its cell is the text alone."""
    assert SINGLE.columns(plan(pack).question) == ("option_text",)
    options = [{"key": k, "label": {"es": k, "en": k, "pt": k, "fr": k}} for k in ("a", "b")]
    raw = plan(pack).question.model_dump(exclude={"options"})
    plain = Question.model_validate({**raw, "options": options})
    assert SINGLE.columns(plain) == ()
    cells = SINGLE.export_cells(OptionValue(option="yes_took_part", text="Led by the ministry"))
    assert cells == {"option_text": "Led by the ministry"}
    multiple = OptionsValue(options=["finance", "other"], texts={"other": "Remittances"})
    assert MULTIPLE.export_cells(multiple) == {"option_text": "Remittances"}
    assert MULTIPLE.export_cells(OptionsValue(options=["finance"])) == {"option_text": None}


def _raw_pack() -> dict[str, Any]:
    return yaml.safe_load((PACKS_DIR / "lac-2025.yaml").read_text(encoding="utf-8"))


def test_pack_check_reads_follow_ups_as_the_types_own_keys() -> None:
    """A misspelt option key, a missing translation and a follow-up on a text are each named."""
    raw = _raw_pack()
    general = raw["sessions"][4]["questions"]
    plan_options = next(q for q in general if q["key"] == "national_plan")["options"]
    plan_options[2]["follow_up"]["text"].pop("fr")
    plan_options[3]["folow_up"] = {"text": {"en": "typo"}}
    comments = next(q for q in general if q["key"] == "comments")
    comments["options"] = [{"key": "a", "label": {"es": "a", "en": "a", "pt": "a", "fr": "a"}}]
    comments["options"][0]["follow_up"] = {"text": {"en": "?"}}
    with pytest.raises(PackError) as caught:
        parse_pack(raw)
    problems = caught.value.problems
    national_plan = next(q for q in general if q["key"] == "national_plan")
    plan_path = f"sessions[4].questions[{general.index(national_plan)}]"
    comments_path = f"sessions[4].questions[{general.index(comments)}]"
    assert f"{plan_path}.options[2].follow_up.text.fr: missing" in problems
    assert f"{plan_path}.options[3].folow_up: not a key of this question type" in problems
    assert f"{comments_path}.options[0].follow_up: not a key of this question type" in problems
