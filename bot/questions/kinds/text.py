"""A free text, written over several messages until Done (an edited message updates its part)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from bot.core.messages import InboundKind
from bot.questions.base import (
    DONE,
    RESTART,
    Answered,
    AnswerInput,
    Asked,
    Expected,
    Notice,
    Parsed,
    Progress,
    QuestionKind,
    Refused,
    Shown,
    Value,
    done_and_restart,
)


class TextValue(Value):
    type: Literal["text"] = "text"
    text: str


def _parts(state: Mapping[str, Any]) -> list[dict[str, Any]]:
    return list(state.get("parts") or [])


def _length(parts: list[dict[str, Any]]) -> int:
    return sum(len(part["text"]) for part in parts)


class TextKind(QuestionKind):
    name = "text"
    value_model = TextValue

    def show(self, asked: Asked) -> Shown:
        t = asked.t
        if _parts(asked.state):
            return Shown(t._("Send more text, or tap Done."), done_and_restart(asked))
        return Shown(t._("Write your answer. You can send several messages, then tap Done."))

    def parse(self, asked: Asked, given: AnswerInput) -> Parsed:
        t = asked.t
        parts = _parts(asked.state)
        if given.chosen == DONE and parts:
            return Answered(TextValue(text="\n\n".join(part["text"] for part in parts)))
        if given.chosen == RESTART:
            return Progress(
                {"parts": []}, Notice(t._("Cleared. Write your answer again."), "text.cleared")
            )
        if given.kind != InboundKind.TEXT:
            return Expected(t._("Please write your answer as text."))
        text = given.text.strip()
        if not text:
            return Refused(t._("That message is empty. Please write your answer."), "error.empty")
        total = _length(parts) + len(text)
        if total > asked.question.max_length:
            return self._too_long(asked)
        parts.append({"ref": given.message_ref, "text": text})
        return Progress(
            {"parts": parts},
            Notice(
                t._("Added ({count} characters so far). Send more, or tap Done.", count=total),
                "text.added",
                done_and_restart(asked),
            ),
        )

    def _too_long(self, asked: Asked) -> Refused:
        return Refused(
            asked.t._(
                "That would make the answer longer than {limit} characters. "
                "Shorten it, or tap Done to save what you have.",
                limit=asked.question.max_length,
            ),
            "error.long",
        )

    def edit(self, asked: Asked, given: AnswerInput) -> Progress | Refused | None:
        """An edited message replaces its part, within the same length limit."""
        parts = _parts(asked.state)
        position = next(
            (
                i
                for i, part in enumerate(parts)
                if given.message_ref and part.get("ref") == given.message_ref
            ),
            None,
        )
        if position is None:
            return None
        text = given.text.strip()
        if not text:
            return Refused(
                asked.t._("That message is empty. Please write your answer."), "error.empty"
            )
        parts[position] = {"ref": given.message_ref, "text": text}
        if _length(parts) > asked.question.max_length:
            return self._too_long(asked)
        return Progress(
            {"parts": parts}, Notice(asked.t._("Updated the text you edited."), "text.edited")
        )

    def writing(self, state: Mapping[str, Any]) -> bool:
        return bool(_parts(state))

    def describe(self, value: Value, asked: Asked) -> str:
        assert isinstance(value, TextValue)
        return value.text


KIND = TextKind()
