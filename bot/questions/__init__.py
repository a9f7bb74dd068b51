"""Question types: one module each in `kinds/`, found at import; nothing else lists them.

An answer's value is a pydantic model per type, joined in one union discriminated by `type`.
The stored JSON leaves `type` out (the pack's question says it), so rows written before the
types were modelled read back unchanged, and every read is validated.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from types import MappingProxyType
from typing import Annotated, Any, Union, cast

from pydantic import Field, TypeAdapter, ValidationError

from bot.pack.model import Question
from bot.questions import kinds as _kinds_package
from bot.questions.base import (
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
    Skipped,
    Unreadable,
    Value,
)

__all__ = [
    "KINDS",
    "AnswerInput",
    "Answered",
    "Asked",
    "Expected",
    "Notice",
    "Parsed",
    "Progress",
    "QuestionKind",
    "Refused",
    "Shown",
    "Skipped",
    "Unreadable",
    "Value",
    "describe",
    "kind_of",
    "read_value",
]


def _discover() -> dict[str, QuestionKind]:
    found: dict[str, QuestionKind] = {}
    for module_info in sorted(pkgutil.iter_modules(_kinds_package.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{_kinds_package.__name__}.{module_info.name}")
        kind = getattr(module, "KIND", None)
        if isinstance(kind, QuestionKind):
            if kind.name in found:
                raise RuntimeError(f"two question kinds are named {kind.name!r}")
            found[kind.name] = kind
    return found


KINDS: Mapping[str, QuestionKind] = MappingProxyType(_discover())

_models = (*(kind.value_model for kind in KINDS.values()), Skipped)
# A union of the kinds found at import, so no static type: mypy cannot see inside it.
AnswerValue = Annotated[Union[_models], Field(discriminator="type")]  # type: ignore[valid-type]  # noqa: UP007  (a union built at import)
_ANSWER_VALUE: TypeAdapter[Any] = TypeAdapter(cast(Any, AnswerValue))


def kind_of(question: Question) -> QuestionKind:
    """The kind of a validated pack question (the pack check refuses unknown types)."""
    return KINDS[question.type]


def read_value(question: Question | None, raw: Any) -> Value:
    """A stored answer as its typed value; `Unreadable` when it fits no type of its question."""
    if isinstance(raw, dict) and raw.get("skipped") is True:
        return Skipped()
    if question is None or question.type not in KINDS or not isinstance(raw, dict):
        return Unreadable(raw=raw)
    try:
        return cast(Value, _ANSWER_VALUE.validate_python({**raw, "type": question.type}))
    except ValidationError:
        return Unreadable(raw=raw)


def describe(value: Value | None, asked: Asked) -> str:
    """An answer as one readable text, whatever its type: for chat, exports and the report."""
    t = asked.t
    if value is None:
        return t._("(not answered)")
    if isinstance(value, Skipped):
        return t._("(skipped)")
    if isinstance(value, Unreadable):
        import json

        return json.dumps(value.raw, ensure_ascii=False)
    return kind_of(asked.question).describe(value, asked)
