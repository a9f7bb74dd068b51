"""UI strings from the gettext catalogs in locales/, read straight from the .po files.

Reading the .po files at start-up (through Babel) means neither installing nor running needs a
compile step; `make locales-compile` still builds .mo files for tools that want them.
"""

from __future__ import annotations

import datetime as dt
import io
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALES_DIR = Path(__file__).resolve().parents[2] / "locales"
DOMAIN = "messages"
SOURCE_LANGUAGE = "en"


def N_(message: str) -> str:
    """Mark a string for extraction where it is defined; translate it where it is shown."""
    return message


def shipped_languages() -> list[str]:
    """Languages that have a catalog in locales/."""
    return sorted(
        path.parent.parent.name for path in LOCALES_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")
    )


@lru_cache(maxsize=32)
def language_name(code: str) -> str:
    """A language in its own words ('Español', 'Français'): how a speaker finds theirs in a list."""
    try:
        name = Locale.parse(code).get_display_name(code)
    except (ValueError, TypeError):
        return code
    return name.capitalize() if name else code


@lru_cache(maxsize=16)
def _translations(language: str) -> NullTranslations:
    po_path = LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po_path.exists():
        return NullTranslations()
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


class Translator:
    """One stakeholder's language: UI strings, and dates and numbers formatted by Babel."""

    def __init__(self, language: str) -> None:
        self.language = language
        self._gettext = _translations(language)
        self.locale = Locale.parse(language)

    def _(self, message: str, **values: object) -> str:
        text = self._gettext.gettext(message)
        return text.format(**values) if values else text

    def ngettext(self, singular: str, plural: str, count: int, **values: object) -> str:
        text = self._gettext.ngettext(singular, plural, count)
        return text.format(count=count, **values)

    def decimal(self, number: float, digits: int = 1) -> str:
        """A number as the language writes it (3.8 in English, 3,8 in Spanish)."""
        from babel.numbers import format_decimal

        return format_decimal(round(number, digits), locale=self.locale)

    def datetime(self, moment: dt.datetime, zone: str, fmt: str = "medium") -> str:
        from babel.dates import format_datetime

        return format_datetime(moment, fmt, tzinfo=_zone(zone), locale=self.locale)

    def date(self, day: dt.date, fmt: str = "long") -> str:
        from babel.dates import format_date

        return format_date(day, fmt, locale=self.locale)

    def month(self, day: dt.date) -> str:
        from babel.dates import format_skeleton

        return format_skeleton("yMMMM", dt.datetime(day.year, day.month, 1), locale=self.locale)

    def time(self, moment: dt.datetime, zone: str) -> str:
        from babel.dates import format_time

        return format_time(moment, "short", tzinfo=_zone(zone), locale=self.locale)

    def zone_name(self, zone: str) -> str:
        from babel.dates import get_timezone_location

        return get_timezone_location(_zone(zone), locale=self.locale, return_city=True)


def _zone(name: str) -> dt.tzinfo:
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


@lru_cache(maxsize=16)
def translator(language: str) -> Translator:
    return Translator(language)


class TranslatableError(Exception):
    """An error an operator can fix, shown in their language: a catalog msgid and its values.

    `str(error)` is the English text, for logs and callers that need no translation.
    """

    def __init__(self, message: str, **values: object) -> None:
        super().__init__(message.format(**values) if values else message)
        self.message = message
        self.values = values

    def translated(self, t: Translator) -> str:
        return t._(self.message, **self.values)
