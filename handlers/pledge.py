"""A pledge in four short steps: title, objectives, partners, timeline (the last two skippable)."""

from __future__ import annotations

from typing import Any

from bot.core.messages import InboundKind
from bot.pack import Question, Session
from handlers.answer_text import objective_label
from handlers.base import Context
from handlers.common import expected

FIRST = "title"
STEPS = ("title", "objectives", "partners", "timeline")
MAX_TITLE = 300
MAX_DETAIL = 1000


def begin(
    ctx: Context,
    session: Session,
    question: Question,
    step: str = FIRST,
    pledge: dict[str, Any] | None = None,
) -> None:
    """Enter a step; its own button scope makes a button of the previous step stale."""
    scope = f"{session.key}.{question.key}.{step}"
    ctx.update_draft(pstep=step, pledge=pledge or {}, _scope=scope)


def _objectives(ctx: Context, session: Session) -> list[int]:
    return list(session.objectives) or sorted(ctx.pack.objectives_by_number)


async def prompt(ctx: Context, session: Session, question: Question) -> None:
    t = ctx.t
    step = ctx.draft["pstep"]
    position = t._("Pledge {step}/{total}", step=STEPS.index(step) + 1, total=len(STEPS))
    if step == "title":
        ctx.say(
            f"{position}\n{t._('In one or two sentences: what will you commit to do?')}",
            key="ask.pledge.title",
        )
    elif step == "objectives":
        chosen = set(ctx.draft.get("pledge", {}).get("objectives", []))
        choices = [
            ctx.choice(("✓ " if n in chosen else "") + objective_label(ctx, n), f"n:{n}")
            for n in _objectives(ctx, session)
        ]
        choices.append(ctx.choice(t._("Done"), "done"))
        ctx.say(
            f"{position}\n{t._('Which GCM objectives does it serve? Tap them, then Done.')}",
            choices,
            key="ask.pledge.objectives",
            columns=2,
        )
    elif step == "partners":
        ctx.say(
            f"{position}\n{t._('Who will you work with? (governments, organizations…)')}",
            [ctx.choice(t._("Skip"), "skip")],
            key="ask.pledge.partners",
        )
    else:
        ctx.say(
            f"{position}\n{t._('By when? (for example: by December 2026)')}",
            [ctx.choice(t._("Skip"), "skip")],
            key="ask.pledge.timeline",
        )


async def handle(ctx: Context, session: Session, question: Question) -> dict[str, Any] | None:
    """Take one step's input; return the finished pledge after the last step."""
    step = ctx.draft["pstep"]
    pledge = dict(ctx.draft.get("pledge") or {})
    if step == "objectives":
        return await _objectives_step(ctx, session, question, pledge)
    chosen = ctx.chosen()
    if chosen == "skip" and step in ("partners", "timeline"):
        pledge[step] = None
    else:
        text = _text(ctx, MAX_TITLE if step == "title" else MAX_DETAIL)
        if text is None:
            return None
        pledge[step] = text
    return await _next(ctx, session, question, pledge, step)


def _text(ctx: Context, limit: int) -> str | None:
    t = ctx.t
    if ctx.inbound.kind != InboundKind.TEXT or not ctx.inbound.text.strip():
        expected(ctx, t._("Please write it as text."))
        return None
    text = " ".join(ctx.inbound.text.split())
    if len(text) > limit:
        ctx.say(t._("Please keep it under {limit} characters.", limit=limit), key="error.long")
        return None
    return text


async def _objectives_step(
    ctx: Context, session: Session, question: Question, pledge: dict[str, Any]
) -> dict[str, Any] | None:
    chosen = ctx.chosen()
    selected: list[int] = list(pledge.get("objectives") or [])
    if chosen == "done":
        if not selected:
            ctx.say(ctx.t._("Tap at least one objective."), key="error.none_selected")
            return None
        return await _next(ctx, session, question, pledge, "objectives")
    valid = set(_objectives(ctx, session))
    numbers = _numbers(ctx, chosen)
    if not numbers or not set(numbers) <= valid:
        expected(ctx, ctx.t._("Tap the objectives, then Done."))
        return None
    for number in numbers:
        selected.remove(number) if number in selected else selected.append(number)
    ctx.update_draft(pledge={**pledge, "objectives": sorted(selected)})
    await prompt(ctx, session, question)
    return None


def _numbers(ctx: Context, chosen: str | None) -> list[int]:
    if chosen and chosen.startswith("n:") and chosen[2:].isdigit():
        return [int(chosen[2:])]
    if ctx.inbound.kind == InboundKind.TEXT:
        typed = ctx.inbound.text.replace(",", " ").split()
        if typed and all(item.isdigit() for item in typed):
            return [int(item) for item in typed]
    return []


async def _next(
    ctx: Context, session: Session, question: Question, pledge: dict[str, Any], step: str
) -> dict[str, Any] | None:
    position = STEPS.index(step)
    if position + 1 == len(STEPS):
        return {key: pledge.get(key) for key in STEPS}
    begin(ctx, session, question, STEPS[position + 1], pledge)
    await prompt(ctx, session, question)
    return None
