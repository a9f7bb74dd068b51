"""Country names in the stakeholder's language, and typed names matched back to ISO codes.

Names come from pycountry (ISO 3166) and its translations, never typed by hand.
"""

from __future__ import annotations

import gettext
from functools import lru_cache

import pycountry

from bot.core.text import normalise


@lru_cache(maxsize=8)
def _catalog(language: str) -> gettext.NullTranslations:
    return gettext.translation(
        "iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True
    )


def country_name(code: str | None, language: str) -> str:
    """The country's usual name in `language` ('Bolivia', not 'Bolivia, Plurinational State of')."""
    if not code:
        return ""
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    catalog = _catalog(language)
    name = catalog.gettext(getattr(country, "common_name", None) or country.name)
    head = name.split(", ")[0]
    # "Bolivia, Estado Plurinacional de" reads as "Bolivia" on a button, but "Virgin Islands,
    # British" must keep its tail: shorten only where the head names one country alone.
    if head != name and _heads(language).get(head) == 1:
        return head
    return name


@lru_cache(maxsize=8)
def _heads(language: str) -> dict[str, int]:
    catalog = _catalog(language)
    counts: dict[str, int] = {}
    for country in pycountry.countries:
        head = catalog.gettext(getattr(country, "common_name", None) or country.name).split(", ")[0]
        counts[head] = counts.get(head, 0) + 1
    return counts


@lru_cache(maxsize=8)
def _index(languages: tuple[str, ...]) -> dict[str, str]:
    """Every name and code of every country, normalised, in each language, mapped to alpha-2."""
    index: dict[str, str] = {}
    for country in pycountry.countries:
        names = {country.alpha_2, country.alpha_3, country.name}
        names.update(
            getattr(country, attribute)
            for attribute in ("common_name", "official_name")
            if getattr(country, attribute, None)
        )
        for language in languages:
            catalog = _catalog(language)
            names.update({catalog.gettext(name) for name in list(names)})
        for name in names:
            index.setdefault(normalise(name), country.alpha_2)
    return index


def find_country(text: str, languages: tuple[str, ...]) -> str | None:
    """The alpha-2 code of a name typed in any of `languages`, blind to case and accents."""
    typed = normalise(text)
    if not typed:
        return None
    index = _index(languages)
    if typed in index:
        return index[typed]
    starts = {code for name, code in index.items() if len(typed) >= 4 and name.startswith(typed)}
    return starts.pop() if len(starts) == 1 else None
