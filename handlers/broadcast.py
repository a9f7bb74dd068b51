"""/broadcast and /broadcasts for organizers: write, choose the audience, preview, confirm.

Steps of /broadcast: `text` (scope: the language being written) → `more` (another language, or
on) → `audience` ⇄ `field` (scope: the field being narrowed) → `confirm`. The draft holds the texts
and the audience as JSON, so a restart or another replica resumes at the same step. Queueing
happens in the update's transaction: the confirmation and the queued messages commit together.
"""

from __future__ import annotations

from typing import Any

from bot.core.i18n import language_name
from bot.core.messages import Choice, InboundKind
from bot.domain.audience import FIELDS, MAX_TEXT, add_filter
from bot.domain.countries import country_name, find_country
from handlers.base import Context
from handlers.common import expected, tap_a_button
from handlers.flow import Action, Flow, Step, one_message
from storage.broadcasts import Audience, text_for
from storage.roles import ORGANIZER

CANCEL = "cancel"
NEXT = "next"
BACK = "back"
EVERYONE = "everyone"


def _texts(ctx: Context) -> dict[str, str]:
    return dict(ctx.draft.get("texts") or {})


def _audience(ctx: Context) -> Audience:
    return Audience.from_json(ctx.draft.get("audience") or {})


def field_label(ctx: Context, field: str) -> str:
    t = ctx.t
    return {
        "subregion": t._("Subregion"),
        "category": t._("Category"),
        "country": t._("Country"),
        "session": t._("Took part in a session"),
        "language": t._("Language"),
        "reminders": t._("Reminders on or off"),
    }[field]


def _options(ctx: Context, field: str) -> list[tuple[str, str]]:
    """(value, label) of the buttons that narrow the audience by `field`."""
    pack, t = ctx.pack, ctx.t
    if field == "subregion":
        return [(s.key, ctx.text(s.name)) for s in pack.subregions]
    if field == "category":
        return [(c.key, ctx.text(c.name)) for c in pack.categories]
    if field == "session":
        return [(s.key, ctx.text(s.short_title or s.title)) for s in pack.sessions]
    if field == "language":
        return [(language, language_name(language)) for language in pack.languages]
    if field == "reminders":
        return [("yes", t._("Reminders on")), ("no", t._("Reminders off"))]
    return []


def audience_label(ctx: Context, audience: Audience) -> str:
    """The audience in the organizer's language: `Sur · Chile, México · reminders on`."""
    t, pack = ctx.t, ctx.pack
    if audience.everyone:
        return t._("everyone registered")

    def names(values: tuple[str, ...], table: dict[str, Any], attribute: str) -> str:
        return ", ".join(
            ctx.text(getattr(table[v], attribute)) if v in table else v for v in values
        )

    parts = [
        names(audience.subregions, pack.subregions_by_key, "name"),
        names(audience.categories, pack.categories_by_key, "name"),
        ", ".join(country_name(code, ctx.language) for code in audience.countries),
        names(audience.sessions, pack.sessions_by_key, "title"),
        ", ".join(language_name(language) for language in audience.languages),
    ]
    if audience.reminders is not None:
        parts.append(t._("reminders on") if audience.reminders else t._("reminders off"))
    return " · ".join(part for part in parts if part)


NAME = "broadcast"
ORGANIZERS = frozenset({ORGANIZER})


async def start(ctx: Context) -> None:
    default = ctx.pack.default_language
    ctx.goto(NAME, "text", {"texts": {}, "audience": {}, "writing": default}, default)
    text = ctx.inbound.args.strip()
    if text and len(text) <= MAX_TEXT:  # `/broadcast Hello all` writes the default text
        await _store_text(ctx, text)
        return
    await ctx.prompt_current()


def _cancelling(handle: Action) -> Action:
    """Every step's Cancel button ends the broadcast, nothing sent."""

    async def step(ctx: Context) -> None:
        if ctx.chosen() == CANCEL:
            ctx.goto("idle", "", {})
            ctx.say(ctx.t._("Cancelled; nothing was sent."), key="broadcast.cancelled")
            return
        await handle(ctx)

    return step


def _cancel_button(ctx: Context) -> Choice:
    return ctx.choice(ctx.t._("Cancel"), CANCEL)


# text: one language at a time


async def ask_text(ctx: Context) -> None:
    t = ctx.t
    writing = ctx.draft.get("writing") or ctx.pack.default_language
    if writing == ctx.pack.default_language:
        text = t._(
            "Write the message in {language}. Stakeholders whose language has no text "
            "of its own get this one.",
            language=language_name(writing),
        )
    else:
        text = t._("Write the message in {language}.", language=language_name(writing))
    ctx.say(text, [_cancel_button(ctx)], key="ask.broadcast.text")


async def take_text(ctx: Context) -> None:
    t = ctx.t
    text = ctx.inbound.text.strip() if ctx.inbound.kind == InboundKind.TEXT else ""
    if not text:
        expected(ctx, t._("Please write the message as text."))
    elif len(text) > MAX_TEXT:
        expected(
            ctx,
            t._(
                "The message has {count} characters; the limit is {limit}.",
                count=len(text),
                limit=MAX_TEXT,
            ),
        )
    else:
        await _store_text(ctx, text)


async def _store_text(ctx: Context, text: str) -> None:
    texts = _texts(ctx) | {ctx.draft.get("writing") or ctx.pack.default_language: text}
    missing = [language for language in ctx.pack.languages if language not in texts]
    step = "more" if missing else "audience"
    ctx.goto(NAME, step, {**ctx.draft, "texts": texts}, ",".join(sorted(texts)))
    await ctx.prompt_current()


# more: another language, or on to the audience


async def ask_more(ctx: Context) -> None:
    t = ctx.t
    texts = _texts(ctx)
    written = ", ".join(language_name(language) for language in texts)
    choices = [
        ctx.choice(t._("Add a text in {language}", language=language_name(lang)), lang)
        for lang in ctx.pack.languages
        if lang not in texts
    ]
    choices += [ctx.choice(t._("Choose the audience"), NEXT), _cancel_button(ctx)]
    ctx.say(
        t._(
            "Written in: {languages}. Add another language, or choose who gets it.",
            languages=written,
        ),
        choices,
        key="ask.broadcast.more",
    )


async def take_more(ctx: Context) -> None:
    t = ctx.t
    options = [(lang, language_name(lang)) for lang in ctx.pack.languages]
    chosen = ctx.pick([*options, (NEXT, t._("Choose the audience"))])
    if chosen == NEXT:
        ctx.goto(NAME, "audience", ctx.draft)
    elif chosen is not None:
        ctx.goto(NAME, "text", {**ctx.draft, "writing": chosen}, chosen)
    else:
        tap_a_button(ctx)
        return
    await ctx.prompt_current()


# audience: narrow by fields, then preview


async def ask_audience(ctx: Context) -> None:
    t = ctx.t
    audience = _audience(ctx)
    count = sum((await ctx.store.audience_counts(audience)).values())
    choices = [ctx.choice(t._("Everyone"), EVERYONE)]
    choices += [ctx.choice(field_label(ctx, field), field) for field in FIELDS]
    choices += [ctx.choice(t._("Preview and send"), NEXT), _cancel_button(ctx)]
    ctx.say(
        t.ngettext(
            "Who gets it? Now: {audience}, {count} stakeholder. Tap a filter to narrow "
            "the audience, or preview.",
            "Who gets it? Now: {audience}, {count} stakeholders. Tap a filter to narrow "
            "the audience, or preview.",
            count,
            audience=audience_label(ctx, audience),
        ),
        choices,
        key="ask.broadcast.audience",
        columns=2,
    )


async def take_audience(ctx: Context) -> None:
    t = ctx.t
    labels = [(field, field_label(ctx, field)) for field in FIELDS]
    chosen = ctx.pick([*labels, (EVERYONE, t._("Everyone")), (NEXT, t._("Preview and send"))])
    if chosen == EVERYONE:
        ctx.goto(NAME, "audience", {**ctx.draft, "audience": {}}, "everyone")
    elif chosen == NEXT:
        ctx.goto(NAME, "confirm", ctx.draft)
    elif chosen is not None:
        ctx.goto(NAME, "field", {**ctx.draft, "field": chosen}, chosen)
    else:
        tap_a_button(ctx)
        return
    await ctx.prompt_current()


async def ask_field(ctx: Context) -> None:
    t = ctx.t
    field = ctx.draft.get("field", "")
    back = ctx.choice(t._("Back"), BACK)
    if field == "country":
        ctx.say(t._("Type the country's name or code."), [back], key="ask.broadcast.country")
        return
    choices = [ctx.choice(label, value) for value, label in _options(ctx, field)]
    ctx.say(
        t._("Which one? Tap again later to add another."),
        [*choices, back],
        key=f"ask.broadcast.{field}",
        columns=2,
    )


async def take_field(ctx: Context) -> None:
    t = ctx.t
    field = ctx.draft.get("field", "")
    if ctx.chosen() == BACK:
        value: str | None = None
    elif field == "country":
        value = find_country(ctx.inbound.text, tuple(ctx.pack.languages))
        if value is None:
            expected(ctx, t._("Please type a country's name or its two-letter code."))
            return
    else:
        value = ctx.pick(_options(ctx, field))
        if value is None:
            tap_a_button(ctx)
            return
    audience = _audience(ctx)
    if value is not None:
        audience = add_filter(audience, field, value, ctx.pack)
    draft = {**ctx.draft, "audience": audience.to_json()}
    ctx.goto(NAME, "audience", draft, str(sorted(draft["audience"].items())))
    await ctx.prompt_current()


# confirm: a preview per language, then send or go back


async def ask_confirm(ctx: Context) -> None:
    t = ctx.t
    counts = await ctx.store.audience_counts(_audience(ctx))
    total = sum(counts.values())
    if not total:
        ctx.say(t._("No registered stakeholder matches this audience."), key="broadcast.none")
        ctx.goto(NAME, "audience", ctx.draft)
        await ctx.prompt_current()
        return
    texts = _texts(ctx)
    for language in ctx.pack.languages:
        if counts.get(language):
            heading = t.ngettext(
                "Preview for {count} stakeholder reading {language}:",
                "Preview for {count} stakeholders reading {language}:",
                counts[language],
                language=language_name(language),
            )
            text = text_for(texts, language, ctx.pack.default_language)
            ctx.say(f"{heading}\n\n{text}", key="broadcast.preview")
    choices = [
        ctx.choice(t._("Send"), "send"),
        ctx.choice(t._("Change the audience"), BACK),
        _cancel_button(ctx),
    ]
    ctx.say(
        t.ngettext(
            "Send this to {count} stakeholder?", "Send this to {count} stakeholders?", total
        ),
        choices,
        key="ask.broadcast.confirm",
    )


async def take_confirm(ctx: Context) -> None:
    t = ctx.t
    chosen = ctx.pick([("send", t._("Send")), (BACK, t._("Change the audience"))])
    if chosen == BACK:
        ctx.goto(NAME, "audience", ctx.draft)
        await ctx.prompt_current()
    elif chosen == "send":
        await _send(ctx)
    else:
        tap_a_button(ctx)


async def _send(ctx: Context) -> None:
    queued = await ctx.store.queue_broadcast(_texts(ctx), _audience(ctx), ctx.actor)
    ctx.goto("idle", "", {})
    ctx.say(
        ctx.t.ngettext(
            "Broadcast #{number} is queued for {count} stakeholder. "
            "/broadcasts shows how its delivery goes.",
            "Broadcast #{number} is queued for {count} stakeholders. "
            "/broadcasts shows how its delivery goes.",
            queued.recipients,
            number=queued.broadcast_id,
        ),
        key="broadcast.queued",
    )


async def show_broadcasts(ctx: Context) -> None:
    """The latest broadcasts and where their messages are."""
    t = ctx.t
    items = await ctx.store.recent_broadcasts(10)
    if not items:
        ctx.say(t._("No broadcasts yet. /broadcast writes one."), key="broadcasts.none")
        return
    lines = [t._("Latest broadcasts:")]
    for item in items:
        counts = item.counts
        line = t._(
            "#{number}, {date}, to {audience}: {queued} queued, {sent} sent, "
            "{failed} failed, {unreachable} unreachable",
            number=item.id,
            date=t.date(item.created_at.date(), "medium"),
            audience=audience_label(ctx, Audience.from_json(item.audience)),
            **counts,
        )
        if counts.get("no_template"):
            line += " " + t.ngettext(
                "({count} not sent: outside WhatsApp's 24 hours, no template in their language)",
                "({count} not sent: outside WhatsApp's 24 hours, no template in their language)",
                counts["no_template"],
            )
        lines.append(line)
    ctx.say("\n".join(lines), key="broadcasts")


BROADCAST = Flow(
    name=NAME,
    start=start,
    summary="write a message per language, narrow the audience, preview, confirm",
    starts_at=("text",),
    roles=ORGANIZERS,
    steps={
        "text": Step(ask_text, _cancelling(take_text), "text: the message", ("more", "audience")),
        "more": Step(
            ask_more, _cancelling(take_more), "button: a language, or on", ("text", "audience")
        ),
        "audience": Step(
            ask_audience,
            _cancelling(take_audience),
            "button: Everyone, a filter, or Preview and send",
            ("field", "confirm"),
        ),
        "field": Step(
            ask_field, _cancelling(take_field), "button or text: a filter's value", ("audience",)
        ),
        "confirm": Step(
            ask_confirm,
            _cancelling(take_confirm),
            "button: Send | Change the audience",
            ("audience",),
        ),
    },
)
BROADCASTS = one_message(
    "broadcasts", show_broadcasts, "delivery of the latest broadcasts", roles=ORGANIZERS
)
FLOWS = (BROADCAST, BROADCASTS)
