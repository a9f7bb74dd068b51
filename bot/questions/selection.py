"""Toggling a selection with buttons, shared by every question that lets one tap several."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from typing import TypeVar

from bot.questions.base import MARK, AnswerInput, Option

T = TypeVar("T")
OBJECTIVE = "n:"  # button values of objectives: n:14


def toggled(selected: Sequence[T], items: Iterable[T]) -> list[T]:
    """Tapping a chosen item unchooses it; tapping another adds it, in tapping order."""
    result = list(selected)
    for item in items:
        if item in result:
            result.remove(item)
        else:
            result.append(item)
    return result


def objective_numbers(given: AnswerInput, valid: Collection[int]) -> list[int] | None:
    """Objectives tapped (`n:14`) or typed (`14, 15`); None unless every one is offered."""
    if given.chosen is not None:
        number = given.chosen.removeprefix(OBJECTIVE)
        numbers = [int(number)] if given.chosen.startswith(OBJECTIVE) and number.isdigit() else []
    elif given.typed is not None:
        typed = given.typed.replace(",", " ").split()
        numbers = [int(item) for item in typed] if all(i.isdigit() for i in typed) else []
    else:
        numbers = []
    return numbers if numbers and all(number in valid for number in numbers) else None


def objective_options(
    numbers: Iterable[int], chosen: Collection[int], label: Callable[[int], str]
) -> list[Option]:
    """Objective buttons, the chosen ones ticked; `label(number)` words each."""
    return [(f"{OBJECTIVE}{n}", (MARK if n in chosen else "") + label(n)) for n in numbers]
