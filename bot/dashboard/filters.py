"""The answers page's filters, read from a query string or a download form and checked on the pack.

The same names travel in the page's links, its filter form and its download forms, so a
download carries exactly the filters on screen. Values the pack does not know are dropped and
reported, never passed on: a typo narrows nothing instead of silently matching nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import ImmutableMultiDict

from bot.export.filters import ExportFilters
from bot.pack import Pack
from bot.pack.model import is_country_code

FIELDS = ("session", "subregion", "country", "category", "language")
MAX_TEXT = 100
MAX_VALUES = 20


Params = ImmutableMultiDict[str, Any]  # a query string or a form: several values per name


def _texts(params: Params, name: str) -> list[str]:
    """The values of `name` that are text (a form may also carry files)."""
    return [value for value in params.getlist(name) if isinstance(value, str)]


def form_text(params: Params, name: str) -> str | None:
    """The value of `name` if it is text (not a file, not missing)."""
    value = params.get(name)
    return value if isinstance(value, str) else None


@dataclass(frozen=True)
class AnswerQuery:
    """What the answers page shows: export filters plus a text search (not part of exports)."""

    filters: ExportFilters = field(default_factory=ExportFilters)
    text: str = ""
    ignored: bool = False  # some value was not one the pack knows

    @property
    def narrowed(self) -> bool:
        return bool(self.text) or not self.filters.is_empty

    def params(self) -> list[tuple[str, str]]:
        """The filters as (name, value) pairs, for links and hidden form fields."""
        values = self._values()
        pairs = [(name, value) for name in FIELDS for value in values[name]]
        return [*pairs, ("q", self.text)] if self.text else pairs

    def _values(self) -> dict[str, tuple[str, ...]]:
        f = self.filters
        return {
            "session": f.sessions,
            "subregion": f.subregions,
            "country": f.countries,
            "category": f.categories,
            "language": f.languages,
        }

    def chosen(self, name: str) -> str:
        """The first value of a filter, to preselect it in the form."""
        values = self._values()[name]
        return values[0] if values else ""


def _known(values: Iterable[str], valid: Iterable[str]) -> tuple[tuple[str, ...], bool]:
    allowed = set(valid)
    given = [value for value in values if value][:MAX_VALUES]
    kept = tuple(dict.fromkeys(value for value in given if value in allowed))
    return kept, len(kept) < len(set(given))


def _countries(values: Iterable[str]) -> tuple[tuple[str, ...], bool]:
    given = [value.strip().upper() for value in values if value.strip()][:MAX_VALUES]
    kept = tuple(dict.fromkeys(code for code in given if is_country_code(code)))
    return kept, len(kept) < len(set(given))


def parse_query(params: Params, pack: Pack) -> AnswerQuery:
    """Read the filters; unknown values are left out and `ignored` says so."""
    sessions, bad_session = _known(_texts(params, "session"), pack.sessions_by_key)
    subregions, bad_subregion = _known(_texts(params, "subregion"), pack.subregions_by_key)
    categories, bad_category = _known(_texts(params, "category"), pack.categories_by_key)
    languages, bad_language = _known(_texts(params, "language"), pack.languages)
    countries, bad_country = _countries(_texts(params, "country"))
    text = " ".join((form_text(params, "q") or "").split())
    filters = ExportFilters.of(
        sessions=sessions,
        subregions=subregions,
        countries=countries,
        categories=categories,
        languages=languages,
    )
    ignored = bad_session or bad_subregion or bad_category or bad_language or bad_country
    return AnswerQuery(filters, text[:MAX_TEXT], ignored or len(text) > MAX_TEXT)


def parse_cursor(params: Params) -> tuple[int | None, int | None]:
    """`before` and `after` ids of keyset pagination; anything else means the first page."""
    return _id(form_text(params, "before")), _id(form_text(params, "after"))


def _id(value: str | None) -> int | None:
    if value and value.isdigit() and len(value) < 19:
        return int(value)
    return None
