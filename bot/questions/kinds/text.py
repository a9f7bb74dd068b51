"""A free text, written over several messages until Done (an edited message updates its part)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from bot.questions import writing
from bot.questions.base import (
    DONE,
    Answered,
    AnswerInput,
    Asked,
    Parsed,
    Progress,
    QuestionKind,
    Refused,
    Shown,
    Value,
)


class TextValue(Value):
    type: Literal["text"] = "text"
    text: str


class TextKind(QuestionKind):
    name = "text"
    value_model = TextValue

    def show(self, asked: Asked) -> Shown:
        t = asked.t
        if writing.parts(asked.state):
            return Shown(t._("Send more text, or tap Done."), writing.done_and_restart(t))
        return Shown(t._("Write your answer. You can send several messages, then tap Done."))

    def parse(self, asked: Asked, given: AnswerInput) -> Parsed:
        parts = writing.parts(asked.state)
        if given.chosen == DONE and parts:
            return Answered(TextValue(text=writing.joined(parts)))
        return writing.write(asked.t, asked.state, given, asked.question.max_length)

    def edit(self, asked: Asked, given: AnswerInput) -> Progress | Refused | None:
        """An edited message replaces its part, within the same length limit."""
        return writing.edit(asked.t, asked.state, given, asked.question.max_length)

    def writing(self, state: Mapping[str, Any]) -> bool:
        return bool(writing.parts(state))

    def describe(self, value: Value, asked: Asked) -> str:
        assert isinstance(value, TextValue)
        return value.text


KIND = TextKind()
