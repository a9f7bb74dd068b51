"""What an export covers: the rapporteur's filters, checked against the pack."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from bot.pack import Pack

FORMATS = ("csv", "xlsx", "jsonl", "md", "docx")


class ExportError(Exception):
    """An export that cannot be made as asked; the message is one line for the rapporteur."""


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    """Read a naive date from the command line as UTC, since the database refuses naive ones."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class ExportFilters:
    """The sessions, places, categories, languages and time window an export keeps."""

    sessions: tuple[str, ...] = ()
    subregions: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    since: dt.datetime | None = None
    until: dt.datetime | None = None

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
        )

    @property
    def is_empty(self) -> bool:
        return self == ExportFilters()


def check(filters: ExportFilters, pack: Pack, format: str, language: str) -> None:
    """Refuse keys the pack does not know, so a typo does not silently export nothing."""
    if format not in FORMATS:
        raise ExportError(f"unknown format {format!r}; expected one of {', '.join(FORMATS)}")
    if language not in pack.languages:
        raise ExportError(f"report language {language!r} is not one of {', '.join(pack.languages)}")
    known = {
        "session": (filters.sessions, pack.sessions_by_key),
        "subregion": (filters.subregions, pack.subregions_by_key),
        "category": (filters.categories, pack.categories_by_key),
    }
    for name, (keys, valid) in known.items():
        unknown = [key for key in keys if key not in valid]
        if unknown:
            raise ExportError(
                f"unknown {name} {', '.join(unknown)}; the pack has {', '.join(valid)}"
            )
    if filters.since and filters.until and filters.since >= filters.until:
        raise ExportError("--since must be before --until")
