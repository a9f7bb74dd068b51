"""`consultbot roles grant|revoke|list` through CliRunner on a migrated SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.commands.cli import app
from storage.models import AuditEntry, Role
from tests.outbox.helpers import prepare_cli, query

runner = CliRunner()


@pytest.fixture
def url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    return prepare_cli(tmp_path, monkeypatch, ORGANIZERS="telegram:1", RAPPORTEURS="slack:U9")


def test_grant_stores_the_role_and_audits_it(url: str) -> None:
    """A grant adds one role row and one audit entry naming member and role."""
    result = runner.invoke(app, ["roles", "grant", "telegram:42", "organizer", "--lang", "en"])
    again = runner.invoke(app, ["roles", "grant", "telegram:42", "organizer", "--lang", "en"])
    assert result.exit_code == 0 and "telegram:42 is now organizer" in result.output
    assert "already" in again.output
    assert query(url, select(Role.platform, Role.user_id, Role.role)) == [
        ("telegram", "42", "organizer")
    ]
    assert query(url, select(AuditEntry.action, AuditEntry.detail)) == [
        ("role.grant", {"member": "telegram:42", "role": "organizer"})
    ]


def test_revoke_removes_the_role_and_audits_it(url: str) -> None:
    """A revoke deletes the stored role and writes a second audit entry."""
    runner.invoke(app, ["roles", "grant", "slack:U7", "rapporteur"])
    result = runner.invoke(app, ["roles", "revoke", "slack:U7", "rapporteur", "--lang", "en"])
    assert result.exit_code == 0 and "no longer rapporteur" in result.output
    assert query(url, select(Role.id)) == []
    actions = [row[0] for row in query(url, select(AuditEntry.action).order_by(AuditEntry.id))]
    assert actions == ["role.grant", "role.revoke"]


def test_revoking_a_settings_role_says_it_stays(url: str) -> None:
    """A role from ORGANIZERS cannot be revoked here, and the reply says why."""
    result = runner.invoke(app, ["roles", "revoke", "telegram:1", "organizer", "--lang", "en"])
    assert result.exit_code == 0 and "through ORGANIZERS" in result.output
    assert query(url, select(AuditEntry.id)) == []


def test_list_shows_settings_and_granted_roles(url: str) -> None:
    """The list names each member, role and where the role comes from."""
    runner.invoke(app, ["roles", "grant", "console:ana", "rapporteur"])
    result = runner.invoke(app, ["roles", "list", "--lang", "en"], env={"COLUMNS": "160"})
    lines = result.output.splitlines()
    assert result.exit_code == 0
    assert any(
        "telegram:1" in line and "organizer" in line and "settings" in line for line in lines
    )
    assert any("slack:U9" in line and "rapporteur" in line for line in lines)
    assert any("console:ana" in line and "granted by" in line for line in lines)


@pytest.mark.parametrize(
    ("member", "role", "message"),
    [("tg:1", "organizer", "platform:user_id"), ("telegram:1", "admin", "organizer, rapporteur")],
)
def test_mistyped_member_or_role_is_one_line(
    url: str, member: str, role: str, message: str
) -> None:
    """A bad member or role exits with code 2 and changes nothing."""
    result = runner.invoke(app, ["roles", "grant", member, role, "--lang", "en"])
    assert result.exit_code == 2 and message in result.output
    assert query(url, select(Role.id)) == []


def test_roles_work_on_a_fresh_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A database file that was never migrated is migrated first, not a traceback."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    result = runner.invoke(app, ["roles", "grant", "telegram:5", "organizer"])
    assert result.exit_code == 0, result.output
    assert query(url, select(Role.user_id)) == [("5",)]


def test_a_whatsapp_member_can_be_granted_a_role(url: str) -> None:
    """Every platform the bot runs on takes roles, WhatsApp included (by phone number)."""
    result = runner.invoke(app, ["roles", "grant", "whatsapp:5215550001", "rapporteur"])
    assert result.exit_code == 0, result.output
    assert query(url, select(Role.platform, Role.user_id, Role.role)) == [
        ("whatsapp", "5215550001", "rapporteur")
    ]


def test_an_unknown_platform_is_refused_and_nothing_stored(url: str) -> None:
    """A mistyped platform gets the expected form back and stores nothing."""
    result = runner.invoke(app, ["roles", "grant", "telegam:42", "organizer", "--lang", "en"])
    assert result.exit_code != 0 and "expected platform:user_id" in result.output
    assert query(url, select(Role.id)) == []
