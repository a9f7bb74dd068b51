"""A rating on a short scale (1 to 5 by default), one tap; the report gives the spread and mean."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Literal

from pydantic import Field

from bot.pack.model import LocalizedText
from bot.questions.base import (
    Answered,
    AnswerInput,
    Asked,
    Cell,
    Expected,
    Parsed,
    QuestionKind,
    Settings,
    Shown,
    Value,
    pick,
)

PREFIX = "r:"


class ScaleSettings(Settings):
    points: int = Field(default=5, ge=2, le=10)
    low: LocalizedText | None = None  # what 1 means, e.g. "not at all"
    high: LocalizedText | None = None  # what the top point means, e.g. "very much"


class ScaleValue(Value):
    type: Literal["scale"] = "scale"
    rating: int = Field(ge=1)


class ScaleKind(QuestionKind):
    name = "scale"
    value_model = ScaleValue
    settings_model = ScaleSettings
    export_columns = ("rating",)

    def _settings(self, asked: Asked) -> ScaleSettings:
        settings = self.settings(asked.question)
        assert isinstance(settings, ScaleSettings)
        return settings

    def show(self, asked: Asked) -> Shown:
        settings, t = self._settings(asked), asked.t
        points = settings.points
        if settings.low and settings.high:
            instruction = t._(
                "Tap a number from 1 ({low}) to {points} ({high}).",
                low=asked.text(settings.low),
                high=asked.text(settings.high),
                points=points,
            )
        else:
            instruction = t._("Tap a number from 1 to {points}.", points=points)
        options = tuple((f"{PREFIX}{n}", str(n)) for n in range(1, points + 1))
        return Shown(instruction, options, columns=min(points, 5))

    def parse(self, asked: Asked, given: AnswerInput) -> Parsed:
        points = self._settings(asked).points
        options = [(f"{PREFIX}{n}", str(n)) for n in range(1, points + 1)]
        chosen = pick(given, options)
        if chosen is None:
            return Expected(asked.t._("Please tap a number from 1 to {points}.", points=points))
        return Answered(ScaleValue(rating=int(chosen.removeprefix(PREFIX))))

    def describe(self, value: Value, asked: Asked) -> str:
        assert isinstance(value, ScaleValue)
        return f"{value.rating}/{self._settings(asked).points}"

    def export_cells(self, value: Value) -> dict[str, Cell]:
        return {"rating": value.rating if isinstance(value, ScaleValue) else None}

    def summary(self, values: Sequence[Value], asked: Asked) -> list[str]:
        """The mean and how many chose each point."""
        ratings = [value.rating for value in values if isinstance(value, ScaleValue)]
        if not ratings:
            return []
        points = self._settings(asked).points
        counts = Counter(ratings)
        t = asked.t
        mean = asked.t.decimal(sum(ratings) / len(ratings))
        spread = " · ".join(f"{n}: {counts.get(n, 0)}" for n in range(1, points + 1))
        return [
            t.ngettext(
                "Mean {mean} of {points}, from {count} answer.",
                "Mean {mean} of {points}, from {count} answers.",
                len(ratings),
                mean=mean,
                points=points,
            ),
            spread,
        ]


KIND = ScaleKind()
