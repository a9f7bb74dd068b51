"""Logs are JSON lines for machines, plain lines for a person at a terminal, quiet about URLs."""

from __future__ import annotations

import io
import json
import logging

import pytest
from sqlalchemy.exc import IntegrityError

from bot.core.settings import Settings
from bot.observability.logs import configure_logging
from storage.db import Database
from tests.outbox.helpers import add_stakeholders, stakeholder_row


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def settings(**values: object) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]  # pydantic-settings' init-only option
        **values,
    )


def test_json_lines_when_stderr_is_not_a_terminal(restore_logging: None) -> None:
    """With LOG_FORMAT=auto and a pipe, each line is a JSON object with time, level and logger."""
    stream = io.StringIO()
    configure_logging(settings(), stream=stream)
    logging.getLogger("bot.example").warning("outbox %s: giving up", "broadcast:4:17")
    record = json.loads(stream.getvalue())
    assert record["level"] == "WARNING" and record["logger"] == "bot.example"
    assert record["message"] == "outbox broadcast:4:17: giving up"
    assert record["time"].endswith("+00:00")


def test_plain_lines_on_a_terminal(restore_logging: None) -> None:
    """A person running the bot in a terminal reads ordinary lines."""
    stream = Terminal()
    configure_logging(settings(), stream=stream)
    logging.getLogger("bot.example").warning("hello")
    assert stream.getvalue().rstrip().endswith("WARNING bot.example hello")


def test_request_lines_of_http_clients_are_dropped_below_debug(restore_logging: None) -> None:
    """httpx's INFO line per request (with the URL) is not written at LOG_LEVEL=INFO."""
    stream = io.StringIO()
    configure_logging(settings(log_level="info"), stream=stream)
    logging.getLogger("httpx").info("HTTP Request: POST http://x/bot1:A/getMe")
    logging.getLogger("bot.example").info("kept")
    assert [json.loads(line)["message"] for line in stream.getvalue().splitlines()] == ["kept"]


async def test_database_errors_do_not_quote_what_people_wrote(db: Database) -> None:
    """A failed statement's message (logged with the update id) leaves out its values."""
    await add_stakeholders(db, [stakeholder_row(1)])
    with pytest.raises(IntegrityError) as failure:
        await add_stakeholders(db, [stakeholder_row(1, organization="Colectivo Confidencial")])
    assert "Confidencial" not in str(failure.value) and "user1" not in str(failure.value)
