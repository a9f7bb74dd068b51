"""/broadcast and /broadcasts for organizers: write, choose the audience, preview, confirm.

Steps of /broadcast: `text` (scope: the language being written) → `more` (another language, or
on) → `audience` ⇄ `field` (scope: the field being narrowed) → `confirm`. The draft holds the texts
and the audience as JSON, so a restart or another replica resumes at the same step. Queueing
happens in the update's transaction: the confirmation and the queued messages commit together.
"""

from __future__ import annotations

from typing import Any

from bot.core.messages import Choice, InboundKind
from bot.domain.audience import MAX_TEXT, add_filter
from bot.domain.countries import country_name, find_country
from handlers.base import Context, Flow
from handlers.common import expected
from handlers.fields import language_label
from storage.broadcasts import (
    Audience,
    count_by_language,
    create_broadcast,
    recent_broadcasts,
    text_for,
)

CANCEL = "cancel"
NEXT = "next"
BACK = "back"
EVERYONE = "everyone"
FIELDS = ("subregion", "category", "country", "session", "language", "reminders")


def _texts(ctx: Context) -> dict[str, str]:
    return dict(ctx.draft.get("texts") or {})


def _audience(ctx: Context) -> Audience:
    return Audience.from_json(ctx.draft.get("audience") or {})


async def _counts(ctx: Context, audience: Audience) -> dict[str, int]:
    pack = ctx.pack
    return await count_by_language(ctx.session, audience, pack.languages, pack.default_language)


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
        return [(language, language_label(language)) for language in pack.languages]
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
        ", ".join(language_label(language) for language in audience.languages),
    ]
    if audience.reminders is not None:
        parts.append(t._("reminders on") if audience.reminders else t._("reminders off"))
    return " · ".join(part for part in parts if part)


class BroadcastFlow(Flow):
    """Write once or per language, narrow the audience, see the previews, then confirm."""

    name = "broadcast"

    async def start(self, ctx: Context) -> None:
        default = ctx.pack.default_language
        ctx.goto(self.name, "text", {"texts": {}, "audience": {}, "writing": default}, default)
        text = ctx.inbound.args.strip()
        if text and len(text) <= MAX_TEXT:  # `/broadcast Hello all` writes the default text
            await self._store_text(ctx, text)
            return
        await self.prompt(ctx)

    async def prompt(self, ctx: Context) -> None:
        step = ctx.conversation.step
        await getattr(self, f"_prompt_{step}")(ctx)

    async def handle(self, ctx: Context) -> None:
        if ctx.chosen() == CANCEL:
            self._cancel(ctx)
            return
        step = ctx.conversation.step
        await getattr(self, f"_handle_{step}")(ctx)

    def _cancel(self, ctx: Context) -> None:
        ctx.goto("idle", "", {})
        ctx.say(ctx.t._("Cancelled; nothing was sent."), key="broadcast.cancelled")

    def _cancel_button(self, ctx: Context) -> Choice:
        return ctx.choice(ctx.t._("Cancel"), CANCEL)

    # text: one language at a time

    async def _prompt_text(self, ctx: Context) -> None:
        t = ctx.t
        writing = ctx.draft.get("writing") or ctx.pack.default_language
        if writing == ctx.pack.default_language:
            text = t._(
                "Write the message in {language}. Stakeholders whose language has no text "
                "of its own get this one.",
                language=language_label(writing),
            )
        else:
            text = t._("Write the message in {language}.", language=language_label(writing))
        ctx.say(text, [self._cancel_button(ctx)], key="ask.broadcast.text")

    async def _handle_text(self, ctx: Context) -> None:
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
            await self._store_text(ctx, text)

    async def _store_text(self, ctx: Context, text: str) -> None:
        texts = _texts(ctx) | {ctx.draft.get("writing") or ctx.pack.default_language: text}
        missing = [language for language in ctx.pack.languages if language not in texts]
        step = "more" if missing else "audience"
        ctx.goto(self.name, step, {**ctx.draft, "texts": texts}, ",".join(sorted(texts)))
        await self.prompt(ctx)

    # more: another language, or on to the audience

    async def _prompt_more(self, ctx: Context) -> None:
        t = ctx.t
        texts = _texts(ctx)
        written = ", ".join(language_label(language) for language in texts)
        choices = [
            ctx.choice(t._("Add a text in {language}", language=language_label(lang)), lang)
            for lang in ctx.pack.languages
            if lang not in texts
        ]
        choices += [ctx.choice(t._("Choose the audience"), NEXT), self._cancel_button(ctx)]
        ctx.say(
            t._(
                "Written in: {languages}. Add another language, or choose who gets it.",
                languages=written,
            ),
            choices,
            key="ask.broadcast.more",
        )

    async def _handle_more(self, ctx: Context) -> None:
        t = ctx.t
        options = [(lang, language_label(lang)) for lang in ctx.pack.languages]
        chosen = ctx.pick([*options, (NEXT, t._("Choose the audience"))])
        if chosen == NEXT:
            ctx.goto(self.name, "audience", ctx.draft)
            await self.prompt(ctx)
        elif chosen is not None:
            ctx.goto(self.name, "text", {**ctx.draft, "writing": chosen}, chosen)
            await self.prompt(ctx)
        else:
            expected(ctx, t._("Please tap one of the buttons."))

    # audience: narrow by fields, then preview

    async def _prompt_audience(self, ctx: Context) -> None:
        t = ctx.t
        audience = _audience(ctx)
        count = sum((await _counts(ctx, audience)).values())
        choices = [ctx.choice(t._("Everyone"), EVERYONE)]
        choices += [ctx.choice(field_label(ctx, field), field) for field in FIELDS]
        choices += [ctx.choice(t._("Preview and send"), NEXT), self._cancel_button(ctx)]
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

    async def _handle_audience(self, ctx: Context) -> None:
        t = ctx.t
        labels = [(field, field_label(ctx, field)) for field in FIELDS]
        chosen = ctx.pick([*labels, (EVERYONE, t._("Everyone")), (NEXT, t._("Preview and send"))])
        if chosen == EVERYONE:
            ctx.goto(self.name, "audience", {**ctx.draft, "audience": {}}, "everyone")
        elif chosen == NEXT:
            ctx.goto(self.name, "confirm", ctx.draft)
        elif chosen is not None:
            ctx.goto(self.name, "field", {**ctx.draft, "field": chosen}, chosen)
        else:
            expected(ctx, t._("Please tap one of the buttons."))
            return
        await self.prompt(ctx)

    async def _prompt_field(self, ctx: Context) -> None:
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

    async def _handle_field(self, ctx: Context) -> None:
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
                expected(ctx, t._("Please tap one of the buttons."))
                return
        audience = _audience(ctx)
        if value is not None:
            audience = add_filter(audience, field, value, ctx.pack)
        draft = {**ctx.draft, "audience": audience.to_json()}
        ctx.goto(self.name, "audience", draft, str(sorted(draft["audience"].items())))
        await self.prompt(ctx)

    # confirm: a preview per language, then send or go back

    async def _prompt_confirm(self, ctx: Context) -> None:
        t = ctx.t
        counts = await _counts(ctx, _audience(ctx))
        total = sum(counts.values())
        if not total:
            ctx.say(t._("No registered stakeholder matches this audience."), key="broadcast.none")
            ctx.goto(self.name, "audience", ctx.draft)
            await self.prompt(ctx)
            return
        texts = _texts(ctx)
        for language in ctx.pack.languages:
            if counts.get(language):
                heading = t.ngettext(
                    "Preview for {count} stakeholder reading {language}:",
                    "Preview for {count} stakeholders reading {language}:",
                    counts[language],
                    language=language_label(language),
                )
                text = text_for(texts, language, ctx.pack.default_language)
                ctx.say(f"{heading}\n\n{text}", key="broadcast.preview")
        choices = [
            ctx.choice(t._("Send"), "send"),
            ctx.choice(t._("Change the audience"), BACK),
            self._cancel_button(ctx),
        ]
        ctx.say(
            t.ngettext(
                "Send this to {count} stakeholder?", "Send this to {count} stakeholders?", total
            ),
            choices,
            key="ask.broadcast.confirm",
        )

    async def _handle_confirm(self, ctx: Context) -> None:
        t = ctx.t
        chosen = ctx.pick([("send", t._("Send")), (BACK, t._("Change the audience"))])
        if chosen == BACK:
            ctx.goto(self.name, "audience", ctx.draft)
            await self.prompt(ctx)
        elif chosen == "send":
            await self._send(ctx)
        else:
            expected(ctx, t._("Please tap one of the buttons."))

    async def _send(self, ctx: Context) -> None:
        pack = ctx.pack
        queued = await create_broadcast(
            ctx.session,
            texts=_texts(ctx),
            audience=_audience(ctx),
            languages=pack.languages,
            default_language=pack.default_language,
            created_by=ctx.actor,
            now=ctx.now,
        )
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


class BroadcastsFlow(Flow):
    """Stateless: the latest broadcasts and where their messages are."""

    name = "broadcasts"

    async def start(self, ctx: Context) -> None:
        t = ctx.t
        items = await recent_broadcasts(ctx.session, 10)
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
                    "({count} not sent: outside WhatsApp's 24 hours, no template in their "
                    "language)",
                    "({count} not sent: outside WhatsApp's 24 hours, no template in their "
                    "language)",
                    counts["no_template"],
                )
            lines.append(line)
        ctx.say("\n".join(lines), key="broadcasts")
