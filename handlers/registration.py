"""/start: language, the privacy notice and consent, then the profile fields one by one.

Before consent only the platform ids and the chosen language are kept; declining ends politely
and stores nothing more.
"""

from __future__ import annotations

from handlers.base import Context, Flow, command_choice
from handlers.common import expected, main_menu
from handlers.fields import LANGUAGE, REGISTRATION_FIELDS, Field, Outcome

FIELD_STEPS = [field.name for field in REGISTRATION_FIELDS]


class RegistrationFlow(Flow):
    name = "registration"

    def __init__(self, flows: dict[str, Flow]) -> None:
        self.flows = flows  # to resume whatever a returning stakeholder was doing

    async def start(self, ctx: Context) -> None:
        if ctx.registered:
            await self._welcome_back(ctx)
            return
        if ctx.conversation.flow == self.name:
            await self.prompt(ctx)  # /start again mid-registration: carry on where they were
            return
        if ctx.stakeholder.consented_at is not None and ctx.stakeholder.consent_version == (
            ctx.pack.privacy.version
        ):
            ctx.goto(self.name, FIELD_STEPS[0], {})  # consent stands: go on with the details
        else:
            ctx.goto(self.name, "language", {})
        await self.prompt(ctx)

    async def _welcome_back(self, ctx: Context) -> None:
        """/start again: pick up where they left off rather than drop their place."""
        flow = self.flows.get(ctx.conversation.flow)
        if flow is None or flow.name in ("idle", self.name):
            main_menu(ctx, ctx.t._("Welcome back! Your answers are saved."))
            return
        ctx.say(ctx.t._("Welcome back! Let's continue where you left off."), key="resumed")
        await flow.prompt(ctx)

    async def prompt(self, ctx: Context) -> None:
        step = ctx.conversation.step
        if step == "language":
            await LANGUAGE.prompt(ctx)
        elif step == "consent":
            self._ask_consent(ctx)
        else:
            number = FIELD_STEPS.index(step) + 1
            ctx.heading = ctx.t._(
                "Registration {step}/{total}", step=number, total=len(FIELD_STEPS)
            )
            await _field(step).prompt(ctx)

    async def handle(self, ctx: Context) -> None:
        step = ctx.conversation.step
        if step == "language":
            if await LANGUAGE.accept(ctx) == Outcome.DONE:
                ctx.goto(self.name, "consent", scope=ctx.language)
                self._ask_consent(ctx)
        elif step == "consent":
            await self._take_consent(ctx)
        else:
            outcome = await _field(step).accept(ctx)
            if outcome == Outcome.DONE:
                await self._advance(ctx, step)

    def _ask_consent(self, ctx: Context) -> None:
        t = ctx.t
        ctx.say(
            ctx.text(ctx.pack.privacy.notice),
            [ctx.choice(t._("I agree"), "agree"), ctx.choice(t._("No, thank you"), "decline")],
            key="ask.consent",
        )

    async def _take_consent(self, ctx: Context) -> None:
        t = ctx.t
        chosen = ctx.pick([("agree", t._("I agree")), ("decline", t._("No, thank you"))])
        if chosen is None:
            expected(ctx, t._("Please tap “I agree” or “No, thank you”."))
            return
        if chosen == "decline":
            ctx.goto("idle", "", {})
            ctx.say(
                t._(
                    "Understood. Nothing about you has been stored. "
                    "If you change your mind, send /start."
                ),
                [command_choice(t._("Start again"), "start")],
                key="consent.declined",
            )
            return
        ctx.stakeholder.consent_version = ctx.pack.privacy.version
        ctx.stakeholder.consented_at = ctx.now
        ctx.say(
            t._("Thank you. A few questions about your organization (about one minute)."),
            key="consent.given",
        )
        ctx.goto(self.name, FIELD_STEPS[0], {})
        await self.prompt(ctx)

    async def _advance(self, ctx: Context, step: str) -> None:
        index = FIELD_STEPS.index(step)
        if index + 1 < len(FIELD_STEPS):
            ctx.goto(self.name, FIELD_STEPS[index + 1], {})
            await self.prompt(ctx)
            return
        ctx.stakeholder.registered_at = ctx.now
        t = ctx.t
        main_menu(
            ctx,
            t._(
                "You are registered. Thank you! You can now answer the consultation, "
                "one session at a time. You can stop at any moment and continue later."
            ),
            key="registered",
        )


def _field(step: str) -> Field:
    return next(field for field in REGISTRATION_FIELDS if field.name == step)
