"""Logging for `consultbot run`: JSON lines when stderr is not a terminal, secrets redacted.

Configured once, here, for every logger: the handler on the root logger redacts every secret
setting (see redaction.py), and the libraries that log each HTTP request (httpx, uvicorn's access
log) are quietened below DEBUG, since their lines carry URLs and nothing an operator acts on.
"""

from __future__ import annotations

import logging
import sys
from typing import IO

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from bot.core.settings import Settings
from bot.observability.redaction import RedactingFormatter, Redactor, secret_settings

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
JSON_FIELDS = "{levelname}{name}{message}"
JSON_RENAMES = {"levelname": "level", "name": "logger"}
# Loggers that write a line per HTTP request; below DEBUG they add noise and URLs, nothing more.
CHATTY = ("httpx", "httpcore", "uvicorn.access", "aiohttp.access", "hpack")
NOISY = ("aiosqlite",)  # a DEBUG line per database call even when debugging the bot
NOT_FIELDS = (*RESERVED_ATTRS, "color_message")  # uvicorn's copy of the message with ANSI codes


def wants_json(log_format: str, stream: IO[str]) -> bool:
    """`auto` means JSON unless a person is reading the terminal."""
    if log_format == "auto":
        isatty = getattr(stream, "isatty", None)
        return not (isatty is not None and isatty())
    return log_format == "json"


def formatter(as_json: bool) -> logging.Formatter:
    if as_json:
        return JsonFormatter(
            JSON_FIELDS,
            style="{",
            rename_fields=JSON_RENAMES,
            timestamp="time",
            reserved_attrs=NOT_FIELDS,
        )
    return logging.Formatter(TEXT_FORMAT)


def configure_logging(
    settings: Settings, *, level: str | None = None, stream: IO[str] | None = None
) -> logging.Handler:
    """Replace the root logger's handlers with one redacting handler; return it."""
    stream = stream if stream is not None else sys.stderr
    chosen = (level or settings.log_level).upper()
    handler = logging.StreamHandler(stream)
    inner = formatter(wants_json(settings.log_format, stream))
    handler.setFormatter(RedactingFormatter(inner, Redactor(secret_settings(settings))))
    logging.basicConfig(level=chosen, handlers=[handler], force=True)
    quiet = logging.DEBUG if chosen == "DEBUG" else logging.WARNING
    for name in CHATTY:
        logging.getLogger(name).setLevel(quiet)
    for name in NOISY:
        logging.getLogger(name).setLevel(logging.INFO)
    return handler
