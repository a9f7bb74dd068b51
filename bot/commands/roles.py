"""`consultbot roles grant|revoke|list`: organizer and rapporteur roles, every change audited."""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Console
from rich.table import Table

from bot.core.settings import Settings
from storage import roles
from storage.db import Database, migrated_database
from storage.stakeholders import audit

PLATFORMS = ("telegram", "slack", "console")
ACTOR = "console:cli"


class RoleInputError(ValueError):
    """A member or role the operator mistyped."""


@dataclass(frozen=True)
class Member:
    platform: str
    user_id: str

    def __str__(self) -> str:
        return f"{self.platform}:{self.user_id}"


def parse_member(text: str | None) -> Member:
    """`telegram:123`, `slack:U123` or `console:ana`."""
    platform, _, user_id = (text or "").strip().partition(":")
    if platform not in PLATFORMS or not user_id.strip():
        raise RoleInputError(
            f"{text!r}: expected platform:user_id, e.g. telegram:123 or slack:U123"
        )
    return Member(platform, user_id.strip())


def parse_role(text: str | None) -> str:
    role = (text or "").strip().lower()
    if role not in roles.ROLES:
        raise RoleInputError(f"{text!r}: expected one of {', '.join(roles.ROLES)}")
    return role


def from_settings(settings: Settings) -> list[tuple[str, str]]:
    """(member, role) pairs that ORGANIZERS and RAPPORTEURS give."""
    pairs = [(member, roles.ORGANIZER) for member in settings.organizers]
    return pairs + [(member, roles.RAPPORTEUR) for member in settings.rapporteurs]


async def roles_command(
    settings: Settings, action: str, member: str | None, role: str | None
) -> None:
    """Grant, revoke or list; a mistyped member or role stops with one line."""
    from bot.commands.common import fail

    console = Console()
    try:
        parsed = (parse_member(member), parse_role(role)) if action != "list" else None
    except RoleInputError as error:
        fail(str(error))
        return
    async with migrated_database(settings.database_url) as database:
        if parsed is None:
            console.print(await _list(database, settings))
        else:
            console.print(await _change(database, settings, action, *parsed), soft_wrap=True)


async def _change(
    database: Database, settings: Settings, action: str, member: Member, role: str
) -> str:
    async with database.transaction() as session:
        if action == "grant":
            changed = await roles.grant(session, member.platform, member.user_id, role, ACTOR)
        else:
            changed = await roles.revoke(session, member.platform, member.user_id, role)
        if changed:
            detail = {"member": str(member), "role": role}
            await audit(session, ACTOR, f"role.{action}", detail)
    return _outcome(settings, action, member, role, changed)


def _outcome(settings: Settings, action: str, member: Member, role: str, changed: bool) -> str:
    in_settings = (str(member), role) in from_settings(settings)
    if action == "grant":
        return f"{member} is now {role}." if changed else f"{member} already was {role}."
    note = ""
    if in_settings:
        variable = "ORGANIZERS" if role == roles.ORGANIZER else "RAPPORTEURS"
        note = f" {member} stays {role} through {variable} until that setting changes."
    head = f"{member} is no longer {role}." if changed else f"{member} had no stored {role} role."
    return head + note


async def _list(database: Database, settings: Settings) -> Table:
    async with database.transaction() as session:
        stored = await roles.all_roles(session)
    table = Table(title="Roles")
    for column in ("member", "role", "source"):
        table.add_column(column)
    for member, role in from_settings(settings):
        table.add_row(member, role, "settings")
    for row in stored:
        table.add_row(f"{row.platform}:{row.user_id}", row.role, f"granted by {row.granted_by}")
    if not table.row_count:
        table.caption = "Nobody has a role yet: set ORGANIZERS or use `consultbot roles grant`."
    return table
