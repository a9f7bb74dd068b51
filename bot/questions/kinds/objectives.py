"""The session's GCM objectives the stakeholder's work relates to, toggled, then Done."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Literal

from bot.pack.model import Pack, Question, Session
from bot.questions.base import (
    DONE,
    Answered,
    AnswerInput,
    Asked,
    Expected,
    Parsed,
    Progress,
    QuestionKind,
    Shown,
    Value,
)
from bot.questions.kinds.multiple_choice import none_selected
from bot.questions.selection import objective_numbers, objective_options, toggled


class ObjectivesValue(Value):
    type: Literal["objectives"] = "objectives"
    objectives: list[int]


def _selected(asked: Asked) -> list[int]:
    return [int(number) for number in asked.state.get("selected") or []]


class ObjectivesKind(QuestionKind):
    name = "objectives"
    value_model = ObjectivesValue

    def show(self, asked: Asked) -> Shown:
        options = objective_options(
            asked.session.objectives, set(_selected(asked)), asked.objective_label
        )
        instruction = asked.t._("Tap the objectives your work relates to, then Done.")
        return Shown(instruction, (*options, (DONE, asked.t._("Done"))), columns=2)

    def parse(self, asked: Asked, given: AnswerInput) -> Parsed:
        selected = _selected(asked)
        if given.chosen == DONE:
            if not selected:
                return none_selected(asked)
            return Answered(ObjectivesValue(objectives=sorted(selected)))
        numbers = objective_numbers(given, asked.session.objectives)
        if numbers is None:
            return Expected(asked.t._("Tap the buttons to choose, then Done."))
        return Progress({"selected": toggled(selected, numbers)})

    def describe(self, value: Value, asked: Asked) -> str:
        assert isinstance(value, ObjectivesValue)
        return ", ".join(asked.objective_label(number) for number in value.objectives)

    def summary(self, values: Sequence[Value], asked: Asked) -> list[str]:
        """The objectives ticked, most often first."""
        counts = Counter(n for v in values if isinstance(v, ObjectivesValue) for n in v.objectives)
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        return [f"{asked.objective_label(number)}: {count}" for number, count in ranked]

    def problems(self, question: Question, session: Session, pack: Pack) -> Iterator[str]:
        yield from super().problems(question, session, pack)
        if not session.objectives:
            yield "type: objectives tagging needs session objectives"


KIND = ObjectivesKind()
