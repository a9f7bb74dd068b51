"""`consultbot broadcast` through Typer's CliRunner on a migrated SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.commands.cli import app
from storage.models import AuditEntry, Broadcast, OutboxMessage
from tests.outbox.helpers import prepare_cli, query, stakeholder_row

runner = CliRunner()


@pytest.fixture
def url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Three Chileans (two in Spanish, one in English) and one Mexican, all registered."""
    rows = [
        stakeholder_row(1, language="es"),
        stakeholder_row(2, language="en"),
        stakeholder_row(3, language=None),
        stakeholder_row(4, language="es", country="MX", subregion="central"),
    ]
    return prepare_cli(tmp_path, monkeypatch, rows)


def outbox_texts(url: str) -> dict[str, str]:
    return dict(query(url, select(OutboxMessage.chat_id, OutboxMessage.text)))


def test_per_language_texts_reach_each_reader(url: str) -> None:
    """Each stakeholder is queued the text of their language; no language means the default."""
    result = runner.invoke(
        app, ["broadcast", "--text", "es=Hola", "--text", "en=Hi", "--yes", "--lang", "en"]
    )
    assert result.exit_code == 0, result.output
    assert "queued for 4" in result.output
    assert outbox_texts(url) == {"chat1": "Hola", "chat2": "Hi", "chat3": "Hola", "chat4": "Hola"}


def test_one_text_goes_to_everyone(url: str) -> None:
    """A text without LANG= is sent to every language."""
    result = runner.invoke(app, ["broadcast", "--text", "Hola a todos", "--yes"])
    assert result.exit_code == 0, result.output
    assert set(outbox_texts(url).values()) == {"Hola a todos"}


def test_audience_narrows_and_preview_counts(url: str) -> None:
    """country=CL and language=es keep two recipients, shown before confirming."""
    result = runner.invoke(
        app,
        [
            *("broadcast", "--text", "Hola", "--lang", "en"),
            *("--audience", "country=CL", "--audience", "language=es"),
        ],
        input="y\n",
    )
    assert result.exit_code == 0, result.output
    assert "country=CL; language=es" in result.output and "Send to 2 stakeholders?" in result.output
    assert set(outbox_texts(url)) == {"chat1", "chat3"}


def test_declining_queues_nothing(url: str) -> None:
    """Answering no at the confirmation leaves the outbox empty."""
    result = runner.invoke(app, ["broadcast", "--text", "Hola", "--lang", "en"], input="n\n")
    assert result.exit_code == 1 and "Cancelled" in result.output
    assert outbox_texts(url) == {} and query(url, select(Broadcast.id)) == []


def test_broadcast_is_audited_without_personal_data(url: str) -> None:
    """The audit entry names the sender, filters and counts, and no chat or user id."""
    runner.invoke(app, ["broadcast", "--text", "Hola", "--audience", "subregion=south", "--yes"])
    [(actor, action, detail)] = query(
        url, select(AuditEntry.actor, AuditEntry.action, AuditEntry.detail)
    )
    assert (actor, action) == ("console:cli", "broadcast.create")
    assert detail["audience"] == {"subregions": ["south"]} and detail["recipients"] == 3
    assert "chat1" not in str(detail) and "user1" not in str(detail)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--text", "fr=Salut"], "LANG=TEXT"),
        (["--text", "en=Hi"], "default language"),
        (["--text", "Hola", "--audience", "planet=mars"], "FIELD=VALUE"),
        (["--text", "Hola", "--audience", "subregion=north"], "south, central"),
        (["--text", "Hola", "--audience", "country=XX"], "ISO code"),
        (["--text", "Hola", "--audience", "reminders=maybe"], "yes or no"),
        (["--text", "   "], "empty"),
    ],
)
def test_bad_input_is_one_line_and_queues_nothing(
    url: str, arguments: list[str], message: str
) -> None:
    """Mistyped texts or audiences stop with exit code 2, a one-line reason and no traceback."""
    result = runner.invoke(app, ["broadcast", *arguments, "--yes", "--lang", "en"])
    assert result.exit_code == 2 and message in result.output
    assert "Traceback" not in result.output and outbox_texts(url) == {}


def test_empty_audience_queues_nothing(url: str) -> None:
    """An audience nobody matches says so and queues no broadcast."""
    result = runner.invoke(
        app, ["broadcast", "--text", "Hola", "--audience", "country=AR", "--yes", "--lang", "en"]
    )
    assert result.exit_code == 1 and "No registered stakeholder" in result.output
    assert query(url, select(Broadcast.id)) == []
