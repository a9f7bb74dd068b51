"""Settings: the contract's names, defaults, and one clear line for a bad value."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.core.settings import DEFAULT_DATABASE_URL, SettingsError, load_settings


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (
        "DATABASE_URL",
        "ORGANIZERS",
        "RAPPORTEURS",
        "BROADCAST_RATE_PER_SECOND",
        "TELEGRAM_BOT_TOKEN",
        "TELEGRAM_WEBHOOK_URL",
        "TELEGRAM_WEBHOOK_SECRET",
        "SLACK_BOT_TOKEN",
        "SLACK_APP_TOKEN",
        "SLACK_SIGNING_SECRET",
        "HTTP_PORT",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env from the checkout


def test_defaults_match_the_contract() -> None:
    """With nothing set: embedded SQLite, the lac-2025 pack, port 8080, 25 messages a second."""
    settings = load_settings()
    assert settings.database_url == DEFAULT_DATABASE_URL == "sqlite+aiosqlite:///consultbot.db"
    assert settings.consultation_pack == "lac-2025"
    assert (settings.http_host, settings.http_port) == ("0.0.0.0", 8080)
    assert settings.broadcast_rate_per_second == 25
    assert not settings.telegram_enabled and not settings.slack_enabled


def test_role_lists_are_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    """ORGANIZERS and RAPPORTEURS read as comma lists of platform:user_id."""
    monkeypatch.setenv("ORGANIZERS", "telegram:123, slack:U42")
    monkeypatch.setenv("RAPPORTEURS", "console:ana")
    settings = load_settings()
    assert settings.organizers == ["telegram:123", "slack:U42"]
    assert settings.rapporteurs == ["console:ana"]


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    """An optional .env in the working directory supplies values."""
    (tmp_path / ".env").write_text("BROADCAST_RATE_PER_SECOND=10\nCONSULTATION_PACK=other\n")
    settings = load_settings()
    assert (settings.broadcast_rate_per_second, settings.consultation_pack) == (10, "other")


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("BROADCAST_RATE_PER_SECOND", "fast", "BROADCAST_RATE_PER_SECOND"),
        ("HTTP_PORT", "99999", "HTTP_PORT"),
        ("DATABASE_URL", "mysql://x/y", "DATABASE_URL"),
        ("ORGANIZERS", "bob", "ORGANIZERS"),
        ("TELEGRAM_WEBHOOK_URL", "https://bot.example.org/telegram/webhook", "TELEGRAM_BOT_TOKEN"),
        ("SLACK_BOT_TOKEN", "xoxb-1", "SLACK_APP_TOKEN"),
    ],
)
def test_bad_value_is_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, fragment: str
) -> None:
    """A bad or incomplete setting raises one line that names what to fix."""
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as error:
        load_settings()
    message = str(error.value)
    assert fragment in message and "\n" not in message


def test_bad_setting_stops_the_cli_without_traceback(tmp_path: Path) -> None:
    """`consultbot db upgrade` with a bad setting exits 2 with one line on stderr."""
    result = subprocess.run(
        [sys.executable, "-m", "bot", "db", "upgrade"],
        env={"PATH": "/usr/bin:/bin", "BROADCAST_RATE_PER_SECOND": "fast"},
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().startswith("consultbot: BROADCAST_RATE_PER_SECOND")
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
