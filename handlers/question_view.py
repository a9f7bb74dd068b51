"""How a consultation question is shown: the instruction for its type and its buttons."""

from __future__ import annotations

from bot.core.messages import Choice
from bot.pack import Question, QuestionType, Session
from handlers.answer_text import objective_label
from handlers.base import Context

BACK, SKIP, KEEP, DONE, RESTART = "back", "skip", "keep", "done", "restart"


def instruction(ctx: Context, question: Question) -> str:
    """What to do at this question, by its type and what is already written."""
    t = ctx.t
    parts = ctx.draft.get("parts") or []
    return {
        QuestionType.TEXT: (
            t._("Send more text, or tap Done.")
            if parts
            else t._("Write your answer. You can send several messages, then tap Done.")
        ),
        QuestionType.SINGLE_CHOICE: t._("Tap one answer."),
        QuestionType.MULTIPLE_CHOICE: t._("Tap every answer that applies, then Done."),
        QuestionType.OBJECTIVES: t._("Tap the objectives your work relates to, then Done."),
        QuestionType.ATTACHMENT: t._("Send a document or a voice note."),
        QuestionType.PLEDGE: t._("Tap “Make a pledge” to describe your commitment."),
    }[question.type]


def answer_choices(ctx: Context, session: Session, question: Question) -> list[Choice]:
    """The buttons that answer: options, objectives with ticks, Done, Make a pledge."""
    t = ctx.t
    selected = set(ctx.draft.get("selected") or [])
    mark = "✓ "
    if question.type == QuestionType.SINGLE_CHOICE:
        return [ctx.choice(ctx.text(o.label), f"o:{o.key}") for o in question.options]
    if question.type == QuestionType.MULTIPLE_CHOICE:
        choices = [
            ctx.choice((mark if o.key in selected else "") + ctx.text(o.label), f"o:{o.key}")
            for o in question.options
        ]
        return [*choices, ctx.choice(t._("Done"), DONE)]
    if question.type == QuestionType.OBJECTIVES:
        choices = [
            ctx.choice((mark if str(n) in selected else "") + objective_label(ctx, n), f"n:{n}")
            for n in session.objectives
        ]
        return [*choices, ctx.choice(t._("Done"), DONE)]
    if question.type == QuestionType.TEXT and ctx.draft.get("parts"):
        return [ctx.choice(t._("Done"), DONE), ctx.choice(t._("Start over"), RESTART)]
    if question.type == QuestionType.PLEDGE:
        return [ctx.choice(t._("Make a pledge"), "pledge")]
    return []


def navigation(ctx: Context, question: Question, index: int, answered: bool) -> list[Choice]:
    """The buttons that move: keep a saved answer, skip an optional question, go back."""
    t = ctx.t
    choices = []
    if answered and not ctx.draft.get("parts"):
        choices.append(ctx.choice(t._("Keep my answer"), KEEP))
    if question.optional:
        choices.append(ctx.choice(t._("Skip"), SKIP))
    if index > 0 or ctx.draft.get("mode") == "edit":
        choices.append(ctx.choice(t._("Back"), BACK))
    return choices


# -- answering --------------------------------------------------------------------------
