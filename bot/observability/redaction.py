"""Every secret setting, in every form it can take in a log line, replaced by its name.

A token shows up raw (httpx logs each Bot API URL with it), URL-quoted, or escaped inside JSON;
all three are replaced. Secrets shorter than MIN_SECRET are left alone: replacing them would
mangle every line, and a secret that short protects nothing anyway.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping
from urllib.parse import quote, unquote

from sqlalchemy.engine import make_url

from bot.core.settings import Settings

MIN_SECRET = 4
SECRET_SUFFIXES = ("_token", "_secret", "_password")


def secret_settings(settings: Settings) -> dict[str, str]:
    """Setting name -> value of every secret that is set: tokens, secrets, the database password.

    Chosen by name, so a setting added later (WHATSAPP_APP_SECRET, …) is covered from the start.
    """
    found = {
        name.upper(): value
        for name, value in settings.model_dump().items()
        if name.endswith(SECRET_SUFFIXES) and isinstance(value, str) and value
    }
    password = make_url(settings.database_url).password
    if password:
        found["DATABASE_URL password"] = str(password)
    return found


def _forms(value: str) -> set[str]:
    """The ways a value is written in a log: raw, URL-quoted or decoded, JSON-escaped."""
    forms = {value, quote(value, safe=""), quote(value), unquote(value), json.dumps(value)[1:-1]}
    if ":" in value:  # a Telegram token's secret half, after the bot id, is a secret on its own
        forms |= _forms(value.rsplit(":", 1)[1])
    return {form for form in forms if len(form) >= MIN_SECRET}


class Redactor:
    """Replaces every known secret in a string by `<NAME>`."""

    def __init__(self, secrets: Mapping[str, str]) -> None:
        names = {form: name for name, value in secrets.items() for form in _forms(value)}
        self._names = names
        longest_first = sorted(names, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, longest_first))) if names else None

    def __call__(self, text: str) -> str:
        if self._pattern is None:
            return text
        return self._pattern.sub(lambda match: f"<{self._names[match.group(0)]}>", text)

    @property
    def forms(self) -> Iterable[str]:
        return self._names.keys()


class RedactingFormatter(logging.Formatter):
    """Formats with another formatter, then redacts the whole line, traceback included."""

    def __init__(self, inner: logging.Formatter, redact: Redactor) -> None:
        super().__init__()
        self.inner = inner
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(self.inner.format(record))
