"""Broadcast input shared by `consultbot broadcast` and the /broadcast chat flow.

Texts are `LANG=TEXT` per language, or one TEXT for every language. An audience is a list of
`FIELD=VALUE` (values of one field may be comma separated): subregion, category, country, session,
language, reminders (yes/no); `everyone` or nothing at all is every registered stakeholder.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

import pycountry

from bot.core.i18n import N_, TranslatableError
from bot.pack import Pack
from storage.broadcasts import Audience

FIELDS = ("subregion", "category", "country", "session", "language", "reminders")
YES = {"yes", "y", "true", "1", "on", "si", "sí"}
NO = {"no", "n", "false", "0", "off"}
MAX_TEXT = 4000  # Telegram takes 4096 characters in one message


class BroadcastInputError(TranslatableError, ValueError):
    """Input an organizer can fix; the message says what is expected, in one line."""


def parse_texts(items: Sequence[str], pack: Pack) -> dict[str, str]:
    """{language: text}; a lone text without `LANG=` is for everyone (stored as the default)."""
    if len(items) == 1 and not _looks_prefixed(items[0]):
        return {pack.default_language: _checked(items[0])}
    texts: dict[str, str] = {}
    for item in items:
        language = _language_prefix(item, pack)
        if language is None:
            raise BroadcastInputError(
                N_("{item}: write LANG=TEXT with LANG one of {languages}"),
                item=repr(item[:30]),
                languages=", ".join(pack.languages),
            )
        if language in texts:
            raise BroadcastInputError(N_("two texts for {language}"), language=language)
        texts[language] = _checked(item.split("=", 1)[1])
    if pack.default_language not in texts:
        raise BroadcastInputError(
            N_(
                "give a text in {language}, the pack's default language, "
                "for everyone whose language has none"
            ),
            language=pack.default_language,
        )
    return texts


def _looks_prefixed(item: str) -> bool:
    """`xx=…` is meant as a language prefix even when the pack has no such language."""
    return re.match(r"^\s*[A-Za-z]{2,3}(-[A-Za-z]{2,4})?\s*=", item) is not None


def _language_prefix(item: str, pack: Pack) -> str | None:
    head, equals, _ = item.partition("=")
    language = head.strip().lower()
    return language if equals and language in pack.languages else None


def _checked(text: str) -> str:
    text = text.strip()
    if not text:
        raise BroadcastInputError(N_("the text is empty"))
    if len(text) > MAX_TEXT:
        raise BroadcastInputError(
            N_("the text has {length} characters; the limit is {limit}"),
            length=len(text),
            limit=MAX_TEXT,
        )
    return text


def parse_audience(items: Iterable[str], pack: Pack) -> Audience:
    """An Audience from FIELD=VALUE items, each value checked against the pack."""
    audience = Audience()
    for item in items:
        if item.strip().lower() in ("everyone", "all", ""):
            continue
        name, equals, raw = item.partition("=")
        name = name.strip().lower()
        if not equals or name not in FIELDS:
            raise BroadcastInputError(
                N_("{item}: expected FIELD=VALUE, FIELD one of {fields}"),
                item=repr(item),
                fields=", ".join(FIELDS),
            )
        audience = add_filter(audience, name, raw, pack)
    return audience


def add_filter(audience: Audience, name: str, raw: str, pack: Pack) -> Audience:
    """Narrow the audience by one field; values already there for that field are kept."""
    if name == "reminders":
        return replace(audience, reminders=_yes_no(raw))
    values = tuple(value.strip() for value in raw.split(",") if value.strip())
    if not values:
        raise BroadcastInputError(N_("{field}: give at least one value"), field=name)
    checked = tuple(_check(name, value, pack) for value in values)
    attribute = _ATTRIBUTES[name]
    merged = tuple(dict.fromkeys(getattr(audience, attribute) + checked))
    return replace(audience, **{attribute: merged})


_ATTRIBUTES = {
    "subregion": "subregions",
    "category": "categories",
    "country": "countries",
    "session": "sessions",
    "language": "languages",
}


def _yes_no(raw: str) -> bool:
    value = raw.strip().lower()
    if value in YES:
        return True
    if value in NO:
        return False
    raise BroadcastInputError(N_("reminders={value}: expected yes or no"), value=repr(raw))


def _check(name: str, value: str, pack: Pack) -> str:
    known: Mapping[str, object]
    if name == "country":
        code = value.upper()
        if pycountry.countries.get(alpha_2=code) is None:
            raise BroadcastInputError(
                N_("country={value}: expected an ISO code such as MX or CL"), value=value
            )
        return code
    known = {
        "subregion": pack.subregions_by_key,
        "category": pack.categories_by_key,
        "session": pack.sessions_by_key,
        "language": dict.fromkeys(pack.languages),
    }[name]
    if value.lower() not in known:
        raise BroadcastInputError(
            N_("{field}={value}: expected one of {known}"),
            field=name,
            value=value,
            known=", ".join(known),
        )
    return value.lower()


def describe(audience: Audience) -> str:
    """The audience in one line for organizers: `everyone` or `country=MX,CL; reminders=yes`."""
    if audience.everyone:
        return "everyone"
    parts = []
    for name, attribute in _ATTRIBUTES.items():
        values = getattr(audience, attribute)
        if values:
            parts.append(f"{name}={','.join(values)}")
    if audience.reminders is not None:
        parts.append(f"reminders={'yes' if audience.reminders else 'no'}")
    return "; ".join(parts)
