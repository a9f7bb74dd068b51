"""The command menus Telegram shows (setMyCommands): everyone's, organizers' and rapporteurs'."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from telegram import Bot, BotCommand, BotCommandScopeChat

from bot.core.command_menu import listed_for
from bot.core.i18n import translator
from bot.core.settings import Settings

PLATFORM = "telegram"
COMMAND_LANGUAGES = ("es", "en")  # the default; `consultbot run` passes the pack's languages


def admin_chats(
    settings: Settings, granted: Iterable[tuple[str, str, str]] = ()
) -> dict[str, set[str]]:
    """Telegram organizers and rapporteurs as chat id -> roles (private chat id = user id).

    `granted` adds roles stored by `consultbot roles grant`, as (platform, user_id, role),
    e.g. `[(r.platform, r.user_id, r.role) for r in await storage.roles.all_roles(session)]`.
    """
    members = [
        *(("organizer", member) for member in settings.organizers),
        *(("rapporteur", member) for member in settings.rapporteurs),
        *((role, f"{platform}:{user_id}") for platform, user_id, role in granted),
    ]
    chats: dict[str, set[str]] = {}
    for role, member in members:
        platform, _, user_id = member.partition(":")
        if platform == PLATFORM:
            chats.setdefault(user_id, set()).add(role)
    return chats


def chats_with_roles(roles: Mapping[tuple[str, str], Iterable[str]]) -> dict[str, set[str]]:
    """Telegram's members among (platform, user_id) -> roles, as private chat id -> roles."""
    return {user: set(found) for (platform, user), found in roles.items() if platform == PLATFORM}


async def publish_commands(
    bot: Bot,
    admin_chats: Mapping[str, set[str]],
    languages: Sequence[str] = COMMAND_LANGUAGES,
    hidden: Iterable[str] = (),
) -> None:
    """setMyCommands for everyone per language, and per organizer's or rapporteur's chat.

    A chat scope replaces the default menu, so it repeats everyone's commands before the role's.
    `hidden` leaves out commands this server does not offer (/dashboard without DASHBOARD_URL).
    """
    hide = frozenset(hidden)
    await _publish(bot, languages, roles=(), scope=None, hidden=hide)
    for chat_id, roles in admin_chats.items():
        scope = BotCommandScopeChat(int(chat_id))
        await _publish(bot, languages, roles=roles, scope=scope, hidden=hide)


async def _publish(
    bot: Bot,
    languages: Sequence[str],
    roles: Iterable[str],
    scope: BotCommandScopeChat | None,
    hidden: frozenset[str],
) -> None:
    """One menu per language, plus the first language's for clients in any other."""
    roles = tuple(roles)
    for language in languages:
        commands = command_list(language, roles, hidden)
        await bot.set_my_commands(commands, scope=scope, language_code=language)
    if languages:
        await bot.set_my_commands(command_list(languages[0], roles, hidden), scope=scope)


def command_list(
    language: str, roles: Iterable[str] = (), hidden: Iterable[str] = ()
) -> list[BotCommand]:
    """The menu a chat shows: everyone's commands, then its roles' extra ones, translated."""
    _ = translator(language)._
    return [BotCommand(c.name, _(c.description)) for c in listed_for(roles, hidden)]
