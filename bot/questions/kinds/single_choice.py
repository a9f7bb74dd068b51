"""One answer among the question's options; an option may then ask for a text (`follow_up`)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Literal

from bot.pack.model import Pack, Question, Session
from bot.questions import follow_up, writing
from bot.questions.base import (
    Answered,
    AnswerInput,
    Asked,
    Cell,
    Expected,
    Option,
    Parsed,
    Progress,
    QuestionKind,
    Refused,
    Shown,
    Value,
    pick,
)

PREFIX = "o:"


class OptionValue(Value):
    type: Literal["single_choice"] = "single_choice"
    option: str
    text: str | None = None  # written after an option with a follow-up; older rows have none

    def stored(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude={"type"}, exclude_none=True)


def option_buttons(asked: Asked) -> list[Option]:
    return [
        (f"{PREFIX}{option.key}", asked.text(option.label)) for option in asked.question.options
    ]


def choice_problems(question: Question) -> Iterator[str]:
    """What both choice kinds require of their options."""
    if len(question.options) < 2:
        yield "options: a choice question needs at least two options"


class ChoiceKind(QuestionKind):
    """What both choice kinds share: options of which some may ask for a text after them."""

    option_settings_model = follow_up.ChoiceOptionSettings

    def edit(self, asked: Asked, given: AnswerInput) -> Progress | Refused | None:
        return follow_up.edit(asked, given)

    def writing(self, state: Mapping[str, Any]) -> bool:
        return bool(state.get(follow_up.FOLLOW)) and bool(writing.parts(state))

    def columns(self, question: Question) -> tuple[str, ...]:
        return follow_up.column(question)

    def problems(self, question: Question, session: Session, pack: Pack) -> Iterator[str]:
        yield from choice_problems(question)


class SingleChoiceKind(ChoiceKind):
    name = "single_choice"
    value_model = OptionValue

    def show(self, asked: Asked) -> Shown:
        key = follow_up.following(asked)
        if key is not None:
            return follow_up.show(asked, key)
        return Shown(asked.t._("Tap one answer."), tuple(option_buttons(asked)))

    def parse(self, asked: Asked, given: AnswerInput) -> Parsed:
        key = follow_up.following(asked)
        if key is not None:
            taken = follow_up.take(asked, key, given)
            if isinstance(taken, follow_up.GoBack):
                return Progress({follow_up.FOLLOW: None, "parts": []})
            if isinstance(taken, follow_up.Written):
                return Answered(OptionValue(option=key, text=taken.text))
            return taken
        chosen = pick(given, option_buttons(asked))
        if chosen is None:
            return Expected(asked.t._("Please tap one of the answers."))
        option = chosen.removeprefix(PREFIX)
        if option in follow_up.follow_ups(asked.question):
            return follow_up.start(option)
        return Answered(OptionValue(option=option))

    def describe(self, value: Value, asked: Asked) -> str:
        assert isinstance(value, OptionValue)
        return follow_up.worded(asked, value.option, value.text)

    def written(self, value: Value, asked: Asked) -> str:
        """The text written after the option, with the option it explains."""
        if not isinstance(value, OptionValue) or not value.text:
            return ""
        return follow_up.worded(asked, value.option, value.text)

    def export_cells(self, value: Value) -> dict[str, Cell]:
        return {follow_up.COLUMN: value.text if isinstance(value, OptionValue) else None}


KIND = SingleChoiceKind()
