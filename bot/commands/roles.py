"""`consultbot roles grant|revoke|list`: organizer and rapporteur roles, every change audited."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from bot.core.i18n import N_, TranslatableError, Translator
from bot.core.settings import PLATFORMS, Settings
from storage import roles
from storage.db import Database, migrated_database
from storage.stakeholders import audit
from storage.web_sessions import Member

ACTOR = "console:cli"
ROLE_NAMES = {roles.ORGANIZER: N_("organizer"), roles.RAPPORTEUR: N_("rapporteur")}


class RoleInputError(TranslatableError, ValueError):
    """A member or role the operator mistyped."""


def parse_member(text: str | None) -> Member:
    """`telegram:123`, `slack:U123`, `whatsapp:5215550001` or `console:ana`."""
    platform, _, user_id = (text or "").strip().partition(":")
    if platform not in PLATFORMS or not user_id.strip():
        raise RoleInputError(
            N_("{member}: expected platform:user_id, e.g. telegram:123 or slack:U123"),
            member=repr(text),
        )
    return Member(platform, user_id.strip())


def parse_role(text: str | None) -> str:
    role = (text or "").strip().lower()
    if role not in roles.ROLES:
        raise RoleInputError(
            N_("{role}: expected one of {roles}"), role=repr(text), roles=", ".join(roles.ROLES)
        )
    return role


def from_settings(settings: Settings) -> list[tuple[str, str]]:
    """(member, role) pairs that ORGANIZERS and RAPPORTEURS give."""
    pairs = [(member, roles.ORGANIZER) for member in settings.organizers]
    return pairs + [(member, roles.RAPPORTEUR) for member in settings.rapporteurs]


def role_name(t: Translator, role: str) -> str:
    return t._(ROLE_NAMES[role]) if role in ROLE_NAMES else role


async def roles_command(
    settings: Settings, action: str, member: str | None, role: str | None, lang: str | None = None
) -> None:
    """Grant, revoke or list; a mistyped member or role stops with one line."""
    from bot.commands.common import fail, output_translator, pack_or_none

    t = output_translator(lang, pack_or_none(settings))
    console = Console()
    try:
        parsed = (parse_member(member), parse_role(role)) if action != "list" else None
    except RoleInputError as error:
        fail(error.translated(t))
    async with migrated_database(settings.database_url) as database:
        if parsed is None:
            console.print(await _list(database, settings, t))
        else:
            outcome = await _change(database, settings, action, *parsed, t)
            console.print(outcome, soft_wrap=True, markup=False)


async def _change(
    database: Database, settings: Settings, action: str, member: Member, role: str, t: Translator
) -> str:
    async with database.transaction() as session:
        if action == "grant":
            changed = await roles.grant(session, member.platform, member.user_id, role, ACTOR)
        else:
            changed = await roles.revoke(session, member.platform, member.user_id, role)
        if changed:
            detail = {"member": str(member), "role": role}
            await audit(session, ACTOR, f"role.{action}", detail)
    return _outcome(settings, action, member, role, changed, t)


def _outcome(
    settings: Settings, action: str, member: Member, role: str, changed: bool, t: Translator
) -> str:
    values = {"member": str(member), "role": role_name(t, role)}
    if action == "grant":
        if changed:
            return t._("{member} is now {role}.", **values)
        return t._("{member} already was {role}.", **values)
    if changed:
        head = t._("{member} is no longer {role}.", **values)
    else:
        head = t._("{member} had no stored {role} role.", **values)
    if (str(member), role) not in from_settings(settings):
        return head
    variable = "ORGANIZERS" if role == roles.ORGANIZER else "RAPPORTEURS"
    note = t._(
        "{member} stays {role} through {variable} until that setting changes.",
        **values,
        variable=variable,
    )
    return f"{head} {note}"


async def _list(database: Database, settings: Settings, t: Translator) -> Table:
    async with database.transaction() as session:
        stored = await roles.all_roles(session)
    table = Table(title=t._("Roles"))
    for column in (t._("member"), t._("role"), t._("source")):
        table.add_column(column)
    for member, role in from_settings(settings):
        table.add_row(member, role_name(t, role), t._("settings"))
    for row in stored:
        table.add_row(
            f"{row.platform}:{row.user_id}",
            role_name(t, row.role),
            t._("granted by {member}", member=row.granted_by),
        )
    if not table.row_count:
        table.caption = t._(
            "Nobody has a role yet: set ORGANIZERS or use `consultbot roles grant`."
        )
    return table
