"""/start: language, the privacy notice and consent, then the profile fields one by one.

Before consent only the platform ids and the chosen language are kept; declining ends politely
and erases even those.
"""

from __future__ import annotations

from collections.abc import Iterator

from handlers.base import Context, command_choice
from handlers.common import expected, main_menu
from handlers.fields import LANGUAGE, REGISTRATION_FIELDS, Field, Outcome
from handlers.flow import Flow, Step

NAME = "registration"
FIELD_STEPS = [field.name for field in REGISTRATION_FIELDS]
AGREE, DECLINE = "agree", "decline"


async def start(ctx: Context) -> None:
    if ctx.registered:
        await _welcome_back(ctx)
        return
    if ctx.position.flow == NAME:
        await ctx.prompt_current()  # /start again mid-registration: carry on where they were
        return
    stakeholder = ctx.stakeholder
    if stakeholder.consented_at is not None and stakeholder.consent_version == (
        ctx.pack.privacy.version
    ):
        ctx.goto(NAME, FIELD_STEPS[0], {})  # consent stands: go on with the details
    else:
        ctx.goto(NAME, "language", {})
    await ctx.prompt_current()


async def _welcome_back(ctx: Context) -> None:
    """/start again: pick up where they left off rather than drop their place."""
    if ctx.position.flow in ("idle", NAME) or ctx.position.flow not in ctx.flows:
        main_menu(ctx, ctx.t._("Welcome back! Your answers are saved."))
        return
    ctx.say(ctx.t._("Welcome back! Let's continue where you left off."), key="resumed")
    await ctx.prompt_current()


async def ask_language(ctx: Context) -> None:
    await LANGUAGE.prompt(ctx)


async def take_language(ctx: Context) -> None:
    if await LANGUAGE.accept(ctx) == Outcome.DONE:
        ctx.goto(NAME, "consent", scope=ctx.language)
        await ask_consent(ctx)


def _consent_options(ctx: Context) -> list[tuple[str, str]]:
    t = ctx.t
    return [(AGREE, t._("I agree")), (DECLINE, t._("No, thank you"))]


async def ask_consent(ctx: Context) -> None:
    ctx.say(
        ctx.text(ctx.pack.privacy.notice), ctx.choices(_consent_options(ctx)), key="ask.consent"
    )


async def take_consent(ctx: Context) -> None:
    t = ctx.t
    chosen = ctx.pick(_consent_options(ctx))
    if chosen is None:
        expected(ctx, t._("Please tap “I agree” or “No, thank you”."))
        return
    if chosen == DECLINE:
        ctx.goto("idle", "", {})
        await ctx.store.erase("consent.declined")  # the platform ids too: nothing is kept
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
    ctx.goto(NAME, FIELD_STEPS[0], {})
    await ctx.prompt_current()


def _field_step(field: Field, following: str | None) -> Step:
    """A profile field asked in turn, under the heading "Registration n/6"."""

    async def prompt(ctx: Context) -> None:
        number = FIELD_STEPS.index(field.name) + 1
        ctx.heading = ctx.t._("Registration {step}/{total}", step=number, total=len(FIELD_STEPS))
        await field.prompt(ctx)

    async def handle(ctx: Context) -> None:
        if await field.accept(ctx) != Outcome.DONE:
            return
        if following is not None:
            ctx.goto(NAME, following, {})
            await ctx.prompt_current()
            return
        ctx.stakeholder.registered_at = ctx.now
        main_menu(
            ctx,
            ctx.t._(
                "You are registered. Thank you! You can now answer the consultation, "
                "one session at a time. You can stop at any moment and continue later."
            ),
            key="registered",
        )

    return Step(prompt, handle, field.accepts, (following,) if following else ("idle",))


def _field_steps() -> Iterator[tuple[str, Step]]:
    followers = [*FIELD_STEPS[1:], None]
    for field, following in zip(REGISTRATION_FIELDS, followers, strict=True):
        yield field.name, _field_step(field, following)


FLOW = Flow(
    name=NAME,
    start=start,
    summary="language, privacy notice and consent, then the organization's details",
    starts_at=("language", FIELD_STEPS[0]),
    steps={
        "language": Step(ask_language, take_language, LANGUAGE.accepts, ("consent",)),
        "consent": Step(
            ask_consent, take_consent, "button: I agree | No, thank you", (FIELD_STEPS[0],)
        ),
        **dict(_field_steps()),
    },
)
