"""Every option that applies, toggled with buttons, then Done."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from bot.pack.model import Pack, Question, Session
from bot.questions.base import (
    DONE,
    MARK,
    Answered,
    AnswerInput,
    Asked,
    Expected,
    Parsed,
    Progress,
    QuestionKind,
    Refused,
    Shown,
    Value,
    pick,
)
from bot.questions.kinds.single_choice import PREFIX, choice_problems, option_buttons
from bot.questions.selection import toggled


class OptionsValue(Value):
    type: Literal["multiple_choice"] = "multiple_choice"
    options: list[str]


def none_selected(asked: Asked) -> Refused:
    t = asked.t
    text = (
        t._("Tap at least one, or Skip.") if asked.question.optional else t._("Tap at least one.")
    )
    return Refused(text, "error.none_selected")


class MultipleChoiceKind(QuestionKind):
    name = "multiple_choice"
    value_model = OptionsValue

    def show(self, asked: Asked) -> Shown:
        selected = set(asked.state.get("selected") or [])
        options = [
            (value, (MARK if value.removeprefix(PREFIX) in selected else "") + label)
            for value, label in option_buttons(asked)
        ]
        instruction = asked.t._("Tap every answer that applies, then Done.")
        return Shown(instruction, (*options, (DONE, asked.t._("Done"))), columns=2)

    def parse(self, asked: Asked, given: AnswerInput) -> Parsed:
        selected: list[str] = list(asked.state.get("selected") or [])
        if given.chosen == DONE:
            if not selected:
                return none_selected(asked)
            order = [option.key for option in asked.question.options]
            return Answered(OptionsValue(options=sorted(selected, key=order.index)))
        chosen = pick(given, option_buttons(asked))
        if chosen is None:
            return Expected(asked.t._("Tap the buttons to choose, then Done."))
        return Progress({"selected": toggled(selected, [chosen.removeprefix(PREFIX)])})

    def describe(self, value: Value, asked: Asked) -> str:
        assert isinstance(value, OptionsValue)
        return ", ".join(asked.option_label(key) for key in value.options)

    def problems(self, question: Question, session: Session, pack: Pack) -> Iterator[str]:
        yield from choice_problems(question)


KIND = MultipleChoiceKind()
