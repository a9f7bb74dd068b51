"""One answer among the question's options."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from bot.pack.model import Pack, Question, Session
from bot.questions.base import (
    Answered,
    AnswerInput,
    Asked,
    Expected,
    Option,
    Parsed,
    QuestionKind,
    Shown,
    Value,
    pick,
)

PREFIX = "o:"


class OptionValue(Value):
    type: Literal["single_choice"] = "single_choice"
    option: str


def option_buttons(asked: Asked) -> list[Option]:
    return [
        (f"{PREFIX}{option.key}", asked.text(option.label)) for option in asked.question.options
    ]


def choice_problems(question: Question) -> Iterator[str]:
    """What both choice kinds require of their options."""
    if len(question.options) < 2:
        yield "options: a choice question needs at least two options"


class SingleChoiceKind(QuestionKind):
    name = "single_choice"
    value_model = OptionValue

    def show(self, asked: Asked) -> Shown:
        return Shown(asked.t._("Tap one answer."), tuple(option_buttons(asked)))

    def parse(self, asked: Asked, given: AnswerInput) -> Parsed:
        chosen = pick(given, option_buttons(asked))
        if chosen is None:
            return Expected(asked.t._("Please tap one of the answers."))
        return Answered(OptionValue(option=chosen.removeprefix(PREFIX)))

    def describe(self, value: Value, asked: Asked) -> str:
        assert isinstance(value, OptionValue)
        return asked.option_label(value.option)

    def problems(self, question: Question, session: Session, pack: Pack) -> Iterator[str]:
        yield from choice_problems(question)


KIND = SingleChoiceKind()
