"""The stakeholder's profile fields: asked in order at registration, edited one by one in /profile.

Each field knows how to ask for itself and how to take an answer. `accept` returns DONE when
the value was stored, STAY when the field asked a follow-up (the country's subregion first),
and ERROR when it said what it expected; an ERROR never changes stored data.
"""

from __future__ import annotations

from enum import Enum

from email_validator import EmailNotValidError, validate_email

from bot.core.i18n import N_, language_name, translator
from bot.core.messages import InboundKind
from bot.domain.countries import country_name, find_country
from handlers.base import Context
from handlers.common import expected, tap_a_button

MAX_ORGANIZATION = 200


class Outcome(Enum):
    DONE = "done"
    STAY = "stay"
    ERROR = "error"


class Field:
    name = ""
    label = ""
    accepts = ""  # what input the step takes, for `consultbot flows graph`

    async def prompt(self, ctx: Context) -> None:
        raise NotImplementedError

    async def accept(self, ctx: Context) -> Outcome:
        raise NotImplementedError

    def show(self, ctx: Context) -> str:
        """The stored value, as the profile shows it."""
        raise NotImplementedError


class LanguageField(Field):
    name = "language"
    accepts = "button or typed name: a language of the pack"
    label = N_("Language")

    def options(self, ctx: Context) -> list[str]:
        hint = ctx.pack.hinted_language(ctx.inbound.locale_hint)
        languages = list(ctx.pack.languages)
        if hint is not None:
            languages.remove(hint)
            languages.insert(0, hint)
        return languages

    async def prompt(self, ctx: Context) -> None:
        options = self.options(ctx)
        text = " / ".join(
            _language_question(language) for language in dict.fromkeys([ctx.language, *options])
        )
        choices = [ctx.choice(language_name(language), language) for language in options]
        ctx.say(text, choices, key="ask.language", columns=2)

    async def accept(self, ctx: Context) -> Outcome:
        pairs = [(language, language_name(language)) for language in ctx.pack.languages]
        chosen = ctx.pick(pairs)
        if chosen is None:
            await self.prompt(ctx)
            return Outcome.ERROR
        ctx.stakeholder.language = chosen
        return Outcome.DONE

    def show(self, ctx: Context) -> str:
        return language_name(ctx.language)


def _language_question(language: str) -> str:
    return translator(language)._("Choose your language")


class OrganizationField(Field):
    name = "organization"
    accepts = "text: the organization's name"
    label = N_("Organization")

    async def prompt(self, ctx: Context) -> None:
        t = ctx.t
        ctx.say(
            t._(
                "What is the name of your organization? "
                "If you take part on your own, write your name."
            ),
            key="ask.organization",
        )

    async def accept(self, ctx: Context) -> Outcome:
        t = ctx.t
        what = t._("Please type the name of your organization.")
        if ctx.inbound.kind != InboundKind.TEXT:
            expected(ctx, what)
            return Outcome.ERROR
        name = " ".join(ctx.inbound.text.split())
        if len(name) < 2:
            ctx.say(t._("The name is too short. {what}", what=what), key="error.short")
            return Outcome.ERROR
        if len(name) > MAX_ORGANIZATION:
            ctx.say(
                t._("Please keep the name under {limit} characters.", limit=MAX_ORGANIZATION),
                key="error.long",
            )
            return Outcome.ERROR
        ctx.stakeholder.organization = name
        return Outcome.DONE

    def show(self, ctx: Context) -> str:
        return ctx.stakeholder.organization or "—"


class CategoryField(Field):
    name = "category"
    accepts = "button: a category of the pack"
    label = N_("Type of organization")

    def pairs(self, ctx: Context) -> list[tuple[str, str]]:
        return [(category.key, ctx.text(category.name)) for category in ctx.pack.categories]

    async def prompt(self, ctx: Context) -> None:
        choices = [ctx.choice(label, key) for key, label in self.pairs(ctx)]
        ctx.say(ctx.t._("Which best describes your organization?"), choices, key="ask.category")

    async def accept(self, ctx: Context) -> Outcome:
        chosen = ctx.pick(self.pairs(ctx))
        if chosen is None:
            tap_a_button(ctx)
            return Outcome.ERROR
        ctx.stakeholder.category = chosen
        return Outcome.DONE

    def show(self, ctx: Context) -> str:
        category = ctx.pack.categories_by_key.get(ctx.stakeholder.category or "")
        return ctx.text(category.name) if category else "—"


OTHER = "other"
BACK = "_back"


class CountryField(Field):
    """Subregion first, then its countries as buttons; a typed name works at either step."""

    name = "country"
    accepts = "button: a subregion, then a country; or text: a country's name"
    label = N_("Country")

    async def prompt(self, ctx: Context) -> None:
        t = ctx.t
        group = ctx.draft.get("country_group")
        if group == OTHER:
            ctx.say(
                t._("Type the name of your country."),
                [ctx.choice(t._("Back"), BACK)],
                key="ask.country.other",
            )
        elif group:
            subregion = ctx.pack.subregions_by_key[group]
            names = sorted(
                ((code, country_name(code, ctx.language)) for code in subregion.countries),
                key=lambda pair: pair[1],
            )
            choices = [ctx.choice(name, code) for code, name in names]
            choices.append(ctx.choice(t._("Back"), BACK))
            ctx.say(
                t._("Choose your country, or type its name."),
                choices,
                key="ask.country.list",
                columns=2,
            )
        else:
            choices = [ctx.choice(ctx.text(sub.name), sub.key) for sub in ctx.pack.subregions]
            if ctx.pack.allow_other_country:
                choices.append(ctx.choice(t._("Another country"), OTHER))
            ctx.say(
                t._("Where is your organization based? Choose a region, or type your country."),
                choices,
                key="ask.country",
            )

    async def accept(self, ctx: Context) -> Outcome:
        value = ctx.chosen()
        group = ctx.draft.get("country_group")
        if value == BACK:
            ctx.update_draft(country_group=None)
            await self.prompt(ctx)
            return Outcome.STAY
        if (
            value is not None
            and group is None
            and (value in ctx.pack.subregions_by_key or value == OTHER)
        ):
            ctx.update_draft(country_group=value)
            await self.prompt(ctx)
            return Outcome.STAY
        code = value if value is not None else self._typed(ctx)
        if code is None or not self._allowed(ctx, code):
            self._explain(ctx)
            return Outcome.ERROR
        ctx.stakeholder.country = code
        ctx.stakeholder.subregion = ctx.pack.subregion_of_country.get(code)
        ctx.update_draft(country_group=None)
        return Outcome.DONE

    def _typed(self, ctx: Context) -> str | None:
        if ctx.inbound.kind != InboundKind.TEXT:
            return None
        return find_country(
            ctx.inbound.text, (ctx.language, *ctx.pack.languages, "en", "es", "pt", "fr")
        )

    def _allowed(self, ctx: Context, code: str) -> bool:
        return ctx.pack.allow_other_country or code in ctx.pack.subregion_of_country

    def _explain(self, ctx: Context) -> None:
        t = ctx.t
        if ctx.inbound.kind == InboundKind.TEXT:
            ctx.say(
                t._(
                    "I couldn't find a country called “{text}”. "
                    "Check the spelling or tap a button.",
                    text=ctx.inbound.text.strip()[:60],
                ),
                key="error.country",
            )
        else:
            expected(ctx, t._("Please tap a button or type your country."))

    def show(self, ctx: Context) -> str:
        return country_name(ctx.stakeholder.country, ctx.language) or "—"


class EmailField(Field):
    name = "email"
    accepts = "text: an email address; button: Skip"
    label = N_("Contact email")

    async def prompt(self, ctx: Context) -> None:
        t = ctx.t
        ctx.say(
            t._(
                "Your contact email (optional). "
                "We use it only to send you the consultation's report."
            ),
            [ctx.choice(t._("Skip"), "skip")],
            key="ask.email",
        )

    async def accept(self, ctx: Context) -> Outcome:
        t = ctx.t
        if ctx.chosen() == "skip":
            ctx.stakeholder.email = None
            return Outcome.DONE
        if ctx.inbound.kind != InboundKind.TEXT:
            expected(ctx, t._("Please type an email address, or tap Skip."))
            return Outcome.ERROR
        try:
            result = validate_email(ctx.inbound.text.strip(), check_deliverability=False)
        except EmailNotValidError:
            ctx.say(
                t._(
                    "That doesn't look like an email address (example: name@organization.org). "
                    "Type it again, or tap Skip."
                ),
                [ctx.choice(t._("Skip"), "skip")],
                key="error.email",
            )
            return Outcome.ERROR
        ctx.stakeholder.email = result.normalized
        return Outcome.DONE

    def show(self, ctx: Context) -> str:
        return ctx.stakeholder.email or "—"


class YesNoField(Field):
    """A boolean of the profile asked with two buttons whose labels say what each means."""

    accepts = "button: yes | no"
    attribute = ""
    yes = no = ""
    shown_yes, shown_no = N_("Yes"), N_("No")

    def question(self, ctx: Context) -> str:
        raise NotImplementedError

    def _pairs(self, ctx: Context) -> list[tuple[str, str]]:
        return [("yes", ctx.t._(self.yes)), ("no", ctx.t._(self.no))]

    async def prompt(self, ctx: Context) -> None:
        choices = [ctx.choice(label, value) for value, label in self._pairs(ctx)]
        ctx.say(self.question(ctx), choices, key=f"ask.{self.name}")

    async def accept(self, ctx: Context) -> Outcome:
        chosen = ctx.pick(self._pairs(ctx))
        if chosen is None:
            tap_a_button(ctx)
            return Outcome.ERROR
        setattr(ctx.stakeholder, self.attribute, chosen == "yes")
        return Outcome.DONE

    def show(self, ctx: Context) -> str:
        return ctx.t._(
            self.shown_yes if getattr(ctx.stakeholder, self.attribute) else self.shown_no
        )


class AttributionField(YesNoField):
    name = "attribution"
    label = N_("Name us in the report")
    attribute = "attribution_consent"
    yes, no = N_("Yes, you may name us"), N_("No, keep us anonymous")

    def question(self, ctx: Context) -> str:
        return ctx.text(ctx.pack.privacy.attribution)


class PublicationField(YesNoField):
    """A separate opt-in: may the organizers publish the full answers (Annex 1: on a website)."""

    name = "publication"
    label = N_("Publish our full answers")
    attribute = "publication_consent"
    yes, no = N_("Yes, publish them"), N_("No, don't publish")

    def question(self, ctx: Context) -> str:
        if ctx.pack.privacy.publication:
            return ctx.text(ctx.pack.privacy.publication)
        return ctx.t._(
            "May we publish your full answers? They carry your organization's name only if you "
            "agreed to be named."
        )


class RemindersField(YesNoField):
    name = "reminders"
    label = N_("Reminders")
    attribute = "reminders_opt_in"
    yes, no = N_("Yes, remind me"), N_("No reminders")
    shown_yes, shown_no = N_("On"), N_("Off")

    def question(self, ctx: Context) -> str:
        return ctx.t._("Would you like reminders before the roadmap's events?")


LANGUAGE = LanguageField()
REGISTRATION_FIELDS: tuple[Field, ...] = (
    OrganizationField(),
    CategoryField(),
    CountryField(),
    EmailField(),
    AttributionField(),
    PublicationField(),
    RemindersField(),
)
PROFILE_FIELDS: tuple[Field, ...] = (*REGISTRATION_FIELDS, LANGUAGE)
