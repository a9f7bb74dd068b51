"""A text asked once an option is chosen: how a "yes" came about, what "Other" stands for.

An option of a choice question declares it in the pack, as that type's own option key:

    - key: being_prepared
      label: {en: Being prepared, es: En preparación}
      follow_up:
        text: {en: How is the process planned?, es: ¿Cómo se prevé el proceso?}
        optional: true   # Skip keeps the choice without the text

The text is written as a text question's answer is (several messages, then Done) in a step of
the question's own, and is stored in the same answer value as the choice. Pure, like the kinds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import Field

from bot.pack.model import LocalizedText, Question
from bot.questions import writing
from bot.questions.base import (
    DONE,
    AnswerInput,
    Asked,
    Expected,
    Option,
    Progress,
    Refused,
    Settings,
    Shown,
)

FOLLOW = "follow"  # in the answer's state: the option whose text is being written
SKIP, BACK = "f:skip", "f:back"
COLUMN = "option_text"  # the spreadsheet column of the texts


class FollowUp(Settings):
    """The text an option asks for, in the pack's languages."""

    text: LocalizedText
    optional: bool = False
    max_length: int = Field(default=4000, ge=1, le=20_000)


class ChoiceOptionSettings(Settings):
    """What an option of a choice question may declare beyond its key and label."""

    follow_up: FollowUp | None = None


def follow_ups(question: Question) -> dict[str, FollowUp]:
    """The question's options that ask for a text, by option key."""
    found = {}
    for option in question.options:
        settings = ChoiceOptionSettings.model_validate(option.model_extra or {})
        if settings.follow_up is not None:
            found[option.key] = settings.follow_up
    return found


def following(asked: Asked) -> str | None:
    """The option whose text is being written now, if any."""
    key = asked.state.get(FOLLOW)
    return key if isinstance(key, str) and key in follow_ups(asked.question) else None


def start(key: str, **state: object) -> Progress:
    """Go on to the text of option `key` (the question shows its step next)."""
    return Progress({FOLLOW: key, "parts": [], **state})


def _moves(asked: Asked, spec: FollowUp) -> tuple[Option, ...]:
    t = asked.t
    skip = ((SKIP, t._("Skip")),) if spec.optional else ()
    return (*skip, (BACK, t._("Back")))


def show(asked: Asked, key: str) -> Shown:
    """The step that asks for the option's text; its buttons go stale once it is answered."""
    t, spec = asked.t, follow_ups(asked.question)[key]
    lines = [t._("You chose: {option}", option=asked.option_label(key)), asked.text(spec.text)]
    if writing.parts(asked.state):
        lines.append(t._("Send more text, or tap Done."))
        options = (*writing.done_and_restart(t), *_moves(asked, spec))
    else:
        lines.append(t._("Write your answer. You can send several messages, then tap Done."))
        options = _moves(asked, spec)
    return Shown("", options, step=f"follow_up.{key}", text="\n\n".join(lines), key="ask.follow_up")


@dataclass(frozen=True)
class Written:
    """The option's text is complete; None when an optional one was skipped."""

    text: str | None


@dataclass(frozen=True)
class GoBack:
    """The stakeholder wants to change the choice: the question's buttons again."""


def take(
    asked: Asked, key: str, given: AnswerInput
) -> Written | GoBack | Progress | Expected | Refused:
    """One input at the option's text: a part, Done, Skip or Back."""
    spec = follow_ups(asked.question)[key]
    parts = writing.parts(asked.state)
    if given.chosen == BACK:
        return GoBack()
    if given.chosen == SKIP and spec.optional:
        return Written(None)
    if given.chosen == DONE and parts:
        return Written(writing.joined(parts))
    return writing.write(asked.t, asked.state, given, spec.max_length)


def edit(asked: Asked, given: AnswerInput) -> Progress | Refused | None:
    """An edited message of the option's text replaces its part."""
    key = following(asked)
    if key is None:
        return None
    return writing.edit(asked.t, asked.state, given, follow_ups(asked.question)[key].max_length)


def worded(asked: Asked, key: str, text: str | None) -> str:
    """An option as an answer reads: its label, and what was written after it."""
    label = asked.option_label(key)
    return asked.t._("{option}: {text}", option=label, text=text) if text else label


def column(question: Question) -> tuple[str, ...]:
    """The spreadsheet column of the texts, for a question with an option that asks for one."""
    return (COLUMN,) if follow_ups(question) else ()


def joined(texts: Iterable[str]) -> str | None:
    return "\n\n".join(texts) or None
