"""The secretariat's commands speak --lang, else the pack's default language (Spanish here)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.commands.cli import app
from storage.models import Broadcast, OutboxMessage
from tests.outbox.helpers import prepare_cli, query, stakeholder_row

runner = CliRunner()
WIDE = {"COLUMNS": "160"}


@pytest.fixture
def url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Four registered stakeholders; the test pack's default language is Spanish."""
    languages = ["es", "en", "pt", "fr"]
    rows = [stakeholder_row(n, language=language) for n, language in enumerate(languages, 1)]
    return prepare_cli(tmp_path, monkeypatch, rows)


@pytest.mark.parametrize(
    ("arguments", "title", "column"),
    [
        ([], "Registrados por subregión", "registrados"),
        (["--lang", "pt"], "Cadastrados por sub-região", "cadastrados"),
        (["--lang", "pt-BR"], "Cadastrados por sub-região", "cadastrados"),
        (["--lang", "fr"], "Inscrits par sous-région", "inscrits"),
        (["--lang", "en"], "Registered by subregion", "registered"),
    ],
)
def test_stats_in_the_chosen_language(url: str, arguments: list[str], title: str, column: str):
    """Table titles and headers follow --lang; without it, the pack's default language."""
    result = runner.invoke(app, ["stats", *arguments], env=WIDE)
    assert result.exit_code == 0, result.output
    assert title in result.output and column in result.output


def test_broadcast_asks_and_confirms_in_french(url: str) -> None:
    """The preview, the question and the outcome are French; `oui` confirms."""
    result = runner.invoke(
        app, ["broadcast", "--text", "Bonjour", "--lang", "fr"], input="oui\n", env=WIDE
    )
    assert result.exit_code == 0, result.output
    assert "Destinataires : tout le monde" in result.output
    assert "Envoyer à 4 participants ? [oui/non]" in result.output
    assert "Envoi n° 1 en file d'attente pour 4 participants" in result.output
    assert len(query(url, select(OutboxMessage.id))) == 4


@pytest.mark.parametrize(("answer", "queued"), [("s\n", 1), ("sí\n", 1), ("no\n", 0), ("\n", 0)])
def test_spanish_confirmation_accepts_si(url: str, answer: str, queued: int) -> None:
    """In Spanish, s or sí sends; no or an empty answer cancels."""
    result = runner.invoke(app, ["broadcast", "--text", "Hola"], input=answer, env=WIDE)
    assert "¿Enviar a 4 participantes? [sí/no]" in result.output
    assert len(query(url, select(Broadcast.id))) == queued
    if not queued:
        assert result.exit_code == 1 and "Cancelado; no se puso nada en cola." in result.output


def test_broadcast_error_in_portuguese(url: str) -> None:
    """A mistyped audience is refused in the chosen language, with exit code 2."""
    result = runner.invoke(
        app, ["broadcast", "--text", "Olá", "--audience", "planet=mars", "--lang", "pt", "--yes"]
    )
    assert result.exit_code == 2
    assert "use CAMPO=VALOR, com CAMPO um destes: subregion, category" in result.output


def test_roles_in_french(url: str) -> None:
    """A grant is reported in French, with the role named in French."""
    result = runner.invoke(app, ["roles", "grant", "telegram:42", "organizer", "--lang", "fr"])
    assert result.exit_code == 0, result.output
    assert "telegram:42 est maintenant organisateur." in result.output


def test_export_reports_in_portuguese(url: str, tmp_path: Path) -> None:
    """The export's closing line is Portuguese."""
    out = tmp_path / "answers.csv"
    result = runner.invoke(app, ["export", "-f", "csv", "-o", str(out), "--lang", "pt"])
    assert result.exit_code == 0, result.output
    assert "0 resposta gravada em" in result.output and out.exists()


@pytest.mark.parametrize("command", [["stats"], ["roles", "list"]])
def test_an_unknown_language_is_refused_in_the_default_one(url: str, command: list[str]):
    """--lang xx names the languages there are, in the pack's default language."""
    result = runner.invoke(app, [*command, "--lang", "xx"])
    assert result.exit_code == 2
    assert "--lang xx: elija uno de en, es, fr, pt" in result.output
