"""Every option that applies, toggled with buttons, then Done; then the texts options ask for."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from bot.questions import follow_up
from bot.questions.base import (
    DONE,
    MARK,
    Answered,
    AnswerInput,
    Asked,
    Cell,
    Expected,
    Parsed,
    Progress,
    Refused,
    Shown,
    Value,
    pick,
)
from bot.questions.kinds.single_choice import PREFIX, ChoiceKind, option_buttons
from bot.questions.selection import toggled


class OptionsValue(Value):
    type: Literal["multiple_choice"] = "multiple_choice"
    options: list[str]
    # What was written after options with a follow-up ("Other": which), by option key.
    texts: dict[str, str] = Field(default_factory=dict)

    def stored(self) -> dict[str, Any]:
        stored = self.model_dump(mode="json", exclude={"type"})
        if not self.texts:
            del stored["texts"]  # as rows were before options could ask for a text
        return stored


def none_selected(asked: Asked) -> Refused:
    t = asked.t
    text = (
        t._("Tap at least one, or Skip.") if asked.question.optional else t._("Tap at least one.")
    )
    return Refused(text, "error.none_selected")


def _in_order(asked: Asked, keys: list[str]) -> list[str]:
    order = [option.key for option in asked.question.options]
    return sorted((key for key in keys if key in order), key=order.index)


class MultipleChoiceKind(ChoiceKind):
    name = "multiple_choice"
    value_model = OptionsValue

    def show(self, asked: Asked) -> Shown:
        key = follow_up.following(asked)
        if key is not None:
            return follow_up.show(asked, key)
        selected = set(asked.state.get("selected") or [])
        options = [
            (value, (MARK if value.removeprefix(PREFIX) in selected else "") + label)
            for value, label in option_buttons(asked)
        ]
        instruction = asked.t._("Tap every answer that applies, then Done.")
        return Shown(instruction, (*options, (DONE, asked.t._("Done"))), columns=2)

    def parse(self, asked: Asked, given: AnswerInput) -> Parsed:
        selected: list[str] = list(asked.state.get("selected") or [])
        key = follow_up.following(asked)
        if key is not None:
            return self._follow_up(asked, key, given, selected)
        if given.chosen == DONE:
            if not selected:
                return none_selected(asked)
            return self._onwards(asked, _in_order(asked, selected), {}, after=None)
        chosen = pick(given, option_buttons(asked))
        if chosen is None:
            return Expected(asked.t._("Tap the buttons to choose, then Done."))
        return Progress({"selected": toggled(selected, [chosen.removeprefix(PREFIX)])})

    def _follow_up(self, asked: Asked, key: str, given: AnswerInput, selected: list[str]) -> Parsed:
        taken = follow_up.take(asked, key, given)
        if isinstance(taken, follow_up.GoBack):  # to the buttons, the selection kept
            return Progress({follow_up.FOLLOW: None, "parts": [], "texts": {}})
        if isinstance(taken, follow_up.Written):
            texts = dict(asked.state.get("texts") or {})
            if taken.text:
                texts[key] = taken.text
            return self._onwards(asked, _in_order(asked, selected), texts, after=key)
        return taken

    def _onwards(
        self, asked: Asked, chosen: list[str], texts: dict[str, str], after: str | None
    ) -> Parsed:
        """The next chosen option that asks for a text, or the complete answer."""
        asks = follow_up.follow_ups(asked.question)
        start = chosen.index(after) + 1 if after in chosen else 0
        upcoming = next((key for key in chosen[start:] if key in asks), None)
        if upcoming is not None:
            return follow_up.start(upcoming, texts=texts)
        return Answered(OptionsValue(options=chosen, texts=texts))

    def describe(self, value: Value, asked: Asked) -> str:
        assert isinstance(value, OptionsValue)
        return "; ".join(
            follow_up.worded(asked, key, value.texts.get(key)) for key in value.options
        )

    def written(self, value: Value, asked: Asked) -> str:
        """The texts written after options, each with the option it explains."""
        if not isinstance(value, OptionsValue):
            return ""
        keys = [key for key in value.options if value.texts.get(key)]
        return "\n".join(follow_up.worded(asked, key, value.texts[key]) for key in keys)

    def export_cells(self, value: Value) -> dict[str, Cell]:
        if not isinstance(value, OptionsValue):
            return {follow_up.COLUMN: None}
        texts = (value.texts[key] for key in value.options if value.texts.get(key))
        return {follow_up.COLUMN: follow_up.joined(texts)}


KIND = MultipleChoiceKind()
