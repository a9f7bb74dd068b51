"""The commands people see listed, one line each: /help and Telegram's menus read this table.

Roles are named as storage.roles names them ("organizer", "rapporteur"); an entry without roles
is everyone's. Descriptions are msgids, translated where they are shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.core.i18n import N_

ORGANIZER, RAPPORTEUR = "organizer", "rapporteur"


@dataclass(frozen=True)
class ListedCommand:
    name: str
    description: str
    roles: frozenset[str] = frozenset()  # empty: everyone's


COMMAND_MENU: tuple[ListedCommand, ...] = (
    ListedCommand("start", N_("Start or resume the consultation")),
    ListedCommand("help", N_("How the consultation works")),
    ListedCommand("consult", N_("Answer a thematic session")),
    ListedCommand("answers", N_("Review and edit your answers")),
    ListedCommand("roadmap", N_("Dates of the regional review")),
    ListedCommand("language", N_("Change the language")),
    ListedCommand("profile", N_("Your organization's profile")),
    ListedCommand("reminders", N_("Turn reminders on or off")),
    ListedCommand("mydata", N_("See the data kept about you")),
    ListedCommand("forget", N_("Delete your data and answers")),
    ListedCommand("cancel", N_("Stop what you are doing")),
    ListedCommand("broadcast", N_("Send an update to stakeholders"), frozenset({ORGANIZER})),
    ListedCommand("broadcasts", N_("Delivery status of broadcasts"), frozenset({ORGANIZER})),
    ListedCommand("export", N_("Export the collected inputs"), frozenset({RAPPORTEUR})),
    ListedCommand("stats", N_("Participation statistics"), frozenset({ORGANIZER, RAPPORTEUR})),
    ListedCommand("dashboard", N_("Open the web dashboard"), frozenset({ORGANIZER, RAPPORTEUR})),
)


def listed_for(roles: Iterable[str], hidden: Iterable[str] = ()) -> list[ListedCommand]:
    """Everyone's commands, then those of the person's roles, in the table's order.

    `hidden` leaves out what this server does not offer (/dashboard without DASHBOARD_URL).
    """
    held, left_out = frozenset(roles), frozenset(hidden)
    everyone = [c for c in COMMAND_MENU if not c.roles and c.name not in left_out]
    theirs = [c for c in COMMAND_MENU if c.roles & held and c.name not in left_out]
    return everyone + theirs
