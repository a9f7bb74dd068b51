"""How a stored answer reads back to the stakeholder, whatever its type."""

from __future__ import annotations

from typing import Any

from bot.core.text import shorten
from bot.pack import Question, QuestionType
from handlers.base import Context


def objective_label(ctx: Context, number: int) -> str:
    objective = ctx.pack.objectives_by_number.get(number)
    return f"{number} · {ctx.text(objective.short)}" if objective else str(number)


def option_label(ctx: Context, question: Question, key: str) -> str:
    option = next((option for option in question.options if option.key == key), None)
    return ctx.text(option.label) if option else key


def describe(ctx: Context, question: Question, value: dict[str, Any] | None) -> str:
    """The answer as one readable text, in the stakeholder's language."""
    t = ctx.t
    if not value:
        return t._("(not answered)")
    if value.get("skipped"):
        return t._("(skipped)")
    if question.type == QuestionType.TEXT:
        return value.get("text", "")
    if question.type == QuestionType.SINGLE_CHOICE:
        return option_label(ctx, question, value.get("option", ""))
    if question.type == QuestionType.MULTIPLE_CHOICE:
        return ", ".join(option_label(ctx, question, key) for key in value.get("options", []))
    if question.type == QuestionType.OBJECTIVES:
        return ", ".join(objective_label(ctx, number) for number in value.get("objectives", []))
    if question.type == QuestionType.ATTACHMENT:
        kind = t._("voice note") if value.get("kind") == "voice" else t._("document")
        return f"{kind}: {value.get('filename') or '—'}"
    return _pledge(ctx, value)


def _pledge(ctx: Context, value: dict[str, Any]) -> str:
    t = ctx.t
    lines = [value.get("title", "")]
    if value.get("objectives"):
        objectives = ", ".join(str(number) for number in value["objectives"])
        lines.append(t._("Objectives: {objectives}", objectives=objectives))
    if value.get("partners"):
        lines.append(t._("Partners: {partners}", partners=value["partners"]))
    if value.get("timeline"):
        lines.append(t._("Timeline: {timeline}", timeline=value["timeline"]))
    return "\n".join(lines)


def preview(ctx: Context, question: Question, value: dict[str, Any] | None, limit: int = 40) -> str:
    return shorten(describe(ctx, question, value), limit)
