"""Writing a text over several messages until Done: a text question, or an option's follow-up.

The parts written so far live in the answer's state under `parts` (each with the platform's
message reference, so an edited message replaces its own part). Everything here is pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.core.i18n import Translator
from bot.core.messages import InboundKind
from bot.questions.base import (
    DONE,
    RESTART,
    AnswerInput,
    Expected,
    Notice,
    Option,
    Progress,
    Refused,
)

Parts = list[dict[str, Any]]


def parts(state: Mapping[str, Any]) -> Parts:
    return list(state.get("parts") or [])


def length(written: Parts) -> int:
    return sum(len(part["text"]) for part in written)


def joined(written: Parts) -> str:
    return "\n\n".join(part["text"] for part in written)


def done_and_restart(t: Translator) -> tuple[Option, ...]:
    return ((DONE, t._("Done")), (RESTART, t._("Start over")))


def too_long(t: Translator, limit: int) -> Refused:
    return Refused(
        t._(
            "That would make the answer longer than {limit} characters. "
            "Shorten it, or tap Done to save what you have.",
            limit=limit,
        ),
        "error.long",
    )


def empty(t: Translator) -> Refused:
    return Refused(t._("That message is empty. Please write your answer."), "error.empty")


def write(
    t: Translator,
    state: Mapping[str, Any],
    given: AnswerInput,
    limit: int,
    more: tuple[Option, ...] = (),
) -> Progress | Expected | Refused:
    """Add a message to the parts, or clear them on Start over; Done is the caller's.

    `more` are buttons offered beside Done and Start over once something is written.
    """
    written = parts(state)
    if given.chosen == RESTART:
        return Progress(
            {"parts": []}, Notice(t._("Cleared. Write your answer again."), "text.cleared")
        )
    if given.kind != InboundKind.TEXT:
        return Expected(t._("Please write your answer as text."))
    text = given.text.strip()
    if not text:
        return empty(t)
    total = length(written) + len(text)
    if total > limit:
        return too_long(t, limit)
    written.append({"ref": given.message_ref, "text": text})
    return Progress(
        {"parts": written},
        Notice(
            t._("Added ({count} characters so far). Send more, or tap Done.", count=total),
            "text.added",
            (*done_and_restart(t), *more),
        ),
    )


def edit(
    t: Translator, state: Mapping[str, Any], given: AnswerInput, limit: int
) -> Progress | Refused | None:
    """An edited message replaces its part, within the same limit; None when it is no part."""
    written = parts(state)
    position = next(
        (
            index
            for index, part in enumerate(written)
            if given.message_ref and part.get("ref") == given.message_ref
        ),
        None,
    )
    if position is None:
        return None
    text = given.text.strip()
    if not text:
        return empty(t)
    written[position] = {"ref": given.message_ref, "text": text}
    if length(written) > limit:
        return too_long(t, limit)
    return Progress({"parts": written}, Notice(t._("Updated the text you edited."), "text.edited"))
