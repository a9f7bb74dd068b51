"""What an export covers: the rapporteur's filters, checked against the pack."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from bot.core.i18n import N_, TranslatableError
from bot.pack import Pack

FORMATS = ("csv", "xlsx", "jsonl", "md", "docx")


class ExportError(TranslatableError):
    """An export that cannot be made as asked; the message is one line for the rapporteur."""


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    """Read a naive date from the command line as UTC, since the database refuses naive ones."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class ExportFilters:
    """The sessions, places, categories, languages and time window an export keeps.

    `published_only` keeps the stakeholders who allowed their full answers to be published.
    """

    sessions: tuple[str, ...] = ()
    subregions: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    published_only: bool = False

    @classmethod
    def of(
        cls,
        *,
        sessions: Iterable[str] = (),
        subregions: Iterable[str] = (),
        countries: Iterable[str] = (),
        categories: Iterable[str] = (),
        languages: Iterable[str] = (),
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        published_only: bool = False,
    ) -> ExportFilters:
        """Normalise what a person typed: tuples, upper-case country codes, aware datetimes."""
        return cls(
            sessions=tuple(sessions),
            subregions=tuple(subregions),
            countries=tuple(code.upper() for code in countries),
            categories=tuple(categories),
            languages=tuple(language.lower() for language in languages),
            since=_aware(since),
            until=_aware(until),
            published_only=published_only,
        )

    @property
    def is_empty(self) -> bool:
        return self == ExportFilters()


def check(filters: ExportFilters, pack: Pack, format: str, language: str) -> None:
    """Refuse keys the pack does not know, so a typo does not silently export nothing."""
    if format not in FORMATS:
        raise ExportError(
            N_("unknown format {format}; expected one of {formats}"),
            format=repr(format),
            formats=", ".join(FORMATS),
        )
    if language not in pack.languages:
        raise ExportError(
            N_("report language {language} is not one of {languages}"),
            language=repr(language),
            languages=", ".join(pack.languages),
        )
    messages = {
        "session": N_("unknown session {unknown}; the pack has {known}"),
        "subregion": N_("unknown subregion {unknown}; the pack has {known}"),
        "category": N_("unknown category {unknown}; the pack has {known}"),
    }
    known = {
        "session": (filters.sessions, pack.sessions_by_key),
        "subregion": (filters.subregions, pack.subregions_by_key),
        "category": (filters.categories, pack.categories_by_key),
    }
    for name, (keys, valid) in known.items():
        unknown = [key for key in keys if key not in valid]
        if unknown:
            raise ExportError(messages[name], unknown=", ".join(unknown), known=", ".join(valid))
    if filters.since and filters.until and filters.since >= filters.until:
        raise ExportError(N_("--since must be before --until"))
