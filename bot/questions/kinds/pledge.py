"""A pledge in four short steps: title, objectives, partners, timeline (the last two skippable).

The steps are the kind's own: each has its button scope, so a button of an earlier step is stale,
and while one is under way every input comes here, even Skip.
"""

from __future__ import annotations

from typing import Any, Literal

from bot.core.messages import InboundKind
from bot.questions.base import (
    DONE,
    Answered,
    AnswerInput,
    Asked,
    Expected,
    Parsed,
    Progress,
    QuestionKind,
    Refused,
    Shown,
    Value,
)
from bot.questions.selection import objective_numbers, objective_options, toggled

STEPS = ("title", "objectives", "partners", "timeline")
BEGIN, SKIP = "pledge", "skip"
MAX_TITLE = 300
MAX_DETAIL = 1000


class PledgeValue(Value):
    type: Literal["pledge"] = "pledge"
    title: str
    objectives: list[int]
    partners: str | None = None
    timeline: str | None = None


def _objectives(asked: Asked) -> list[int]:
    return list(asked.session.objectives) or sorted(asked.pack.objectives_by_number)


def _pledge(asked: Asked) -> dict[str, Any]:
    return dict(asked.state.get("pledge") or {})


class PledgeKind(QuestionKind):
    name = "pledge"
    value_model = PledgeValue

    def show(self, asked: Asked) -> Shown:
        t = asked.t
        step = asked.state.get("pstep")
        if not step:
            instruction = t._("Tap “Make a pledge” to describe your commitment.")
            return Shown(instruction, ((BEGIN, t._("Make a pledge")),))
        position = t._("Pledge {step}/{total}", step=STEPS.index(step) + 1, total=len(STEPS))
        if step == "title":
            text = t._("In one or two sentences: what will you commit to do?")
            return Shown("", step=step, text=f"{position}\n{text}", key="ask.pledge.title")
        if step == "objectives":
            chosen = set(_pledge(asked).get("objectives") or [])
            options = objective_options(_objectives(asked), chosen, asked.objective_label)
            text = t._("Which GCM objectives does it serve? Tap them, then Done.")
            return Shown(
                "",
                (*options, (DONE, t._("Done"))),
                columns=2,
                step=step,
                text=f"{position}\n{text}",
                key="ask.pledge.objectives",
            )
        if step == "partners":
            text = t._("Who will you work with? (governments, organizations…)")
        else:
            text = t._("By when? (for example: by December 2026)")
        return Shown(
            "",
            ((SKIP, t._("Skip")),),
            step=step,
            text=f"{position}\n{text}",
            key=f"ask.pledge.{step}",
        )

    def parse(self, asked: Asked, given: AnswerInput) -> Parsed:
        step = asked.state.get("pstep")
        if not step:
            if given.chosen == BEGIN:
                return Progress({"pstep": STEPS[0], "pledge": {}})
            return Expected(asked.t._("Tap “Make a pledge”, or use the other buttons."))
        pledge = _pledge(asked)
        if step == "objectives":
            return self._objectives_step(asked, given, pledge)
        if given.chosen == SKIP and step in ("partners", "timeline"):
            pledge[step] = None
            return self._next(pledge, step)
        if given.kind != InboundKind.TEXT or not given.text.strip():
            return Expected(asked.t._("Please write it as text."))
        text = " ".join(given.text.split())
        limit = MAX_TITLE if step == "title" else MAX_DETAIL
        if len(text) > limit:
            return Refused(
                asked.t._("Please keep it under {limit} characters.", limit=limit), "error.long"
            )
        pledge[step] = text
        return self._next(pledge, step)

    def _objectives_step(self, asked: Asked, given: AnswerInput, pledge: dict[str, Any]) -> Parsed:
        selected = [int(n) for n in pledge.get("objectives") or []]
        if given.chosen == DONE:
            if not selected:
                return Refused(asked.t._("Tap at least one objective."), "error.none_selected")
            return self._next(pledge, "objectives")
        numbers = objective_numbers(given, _objectives(asked))
        if numbers is None:
            return Expected(asked.t._("Tap the objectives, then Done."))
        pledge["objectives"] = sorted(toggled(selected, numbers))
        return Progress({"pstep": "objectives", "pledge": pledge})

    def _next(self, pledge: dict[str, Any], step: str) -> Parsed:
        position = STEPS.index(step)
        if position + 1 == len(STEPS):
            return Answered(PledgeValue.model_validate({key: pledge.get(key) for key in STEPS}))
        return Progress({"pstep": STEPS[position + 1], "pledge": pledge})

    def describe(self, value: Value, asked: Asked) -> str:
        assert isinstance(value, PledgeValue)
        t = asked.t
        lines = [value.title]
        if value.objectives:
            objectives = ", ".join(str(number) for number in value.objectives)
            lines.append(t._("Objectives: {objectives}", objectives=objectives))
        if value.partners:
            lines.append(t._("Partners: {partners}", partners=value.partners))
        if value.timeline:
            lines.append(t._("Timeline: {timeline}", timeline=value.timeline))
        return "\n".join(lines)


KIND = PledgeKind()
