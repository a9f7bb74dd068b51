"""The command menus Telegram shows (setMyCommands): everyone's, organizers' and rapporteurs'."""

from __future__ import annotations

from collections.abc import Iterable

from telegram import BotCommand

from bot.core.i18n import N_, translator
from bot.core.settings import Settings

PLATFORM = "telegram"
COMMAND_LANGUAGES = ("es", "en")  # the default; `consultbot run` passes the pack's languages

# (command, English description); descriptions are msgids translated per language.
EVERYONE_COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", N_("Start or resume the consultation")),
    ("help", N_("How the consultation works")),
    ("consult", N_("Answer a thematic session")),
    ("answers", N_("Review and edit your answers")),
    ("roadmap", N_("Dates of the regional review")),
    ("language", N_("Change the language")),
    ("profile", N_("Your organization's profile")),
    ("reminders", N_("Turn reminders on or off")),
    ("mydata", N_("See the data kept about you")),
    ("forget", N_("Delete your data and answers")),
    ("cancel", N_("Stop what you are doing")),
)
ROLE_COMMANDS: dict[str, tuple[tuple[str, str], ...]] = {
    "organizer": (
        ("broadcast", N_("Send an update to stakeholders")),
        ("broadcasts", N_("Delivery status of broadcasts")),
        ("stats", N_("Participation statistics")),
    ),
    "rapporteur": (
        ("export", N_("Export the collected inputs")),
        ("stats", N_("Participation statistics")),
    ),
}


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


def command_list(language: str, roles: Iterable[str] = ()) -> list[BotCommand]:
    """The menu a chat shows: everyone's commands, then its roles' extra ones, translated."""
    _ = translator(language)._
    entries = list(EVERYONE_COMMANDS)
    for role in sorted(roles):
        entries += [entry for entry in ROLE_COMMANDS.get(role, ()) if entry not in entries]
    return [BotCommand(name, _(description)) for name, description in entries]
