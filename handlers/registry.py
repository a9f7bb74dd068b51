"""Which flow each command opens and who may use it; the engine routes by these tables."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.answers import AnswersFlow
from handlers.base import Flow
from handlers.help import CancelFlow, HelpFlow, IdleFlow, MenuFlow
from handlers.language import LanguageFlow
from handlers.privacy import ForgetFlow, MyDataFlow
from handlers.profile import ProfileFlow
from handlers.registration import RegistrationFlow
from handlers.roadmap import RemindersFlow, RoadmapFlow
from storage.roles import ORGANIZER, RAPPORTEUR


@dataclass(frozen=True)
class Command:
    flow: str
    roles: frozenset[str] = frozenset()  # empty: everyone
    registered: bool = True  # needs a finished registration


def build_flows() -> dict[str, Flow]:
    answers = AnswersFlow()
    flows: dict[str, Flow] = {}
    for flow in (
        RegistrationFlow(flows),
        answers,
        answers.consultation,
        ProfileFlow(),
        RoadmapFlow(),
        RemindersFlow(),
        MyDataFlow(),
        ForgetFlow(),
        HelpFlow(),
        CancelFlow(),
        MenuFlow(),
        IdleFlow(),
        LanguageFlow(flows),
        *_admin_flows(),
    ):
        flows[flow.name] = flow
    return flows


def _admin_flows() -> list[Flow]:
    from handlers.broadcast import BroadcastFlow, BroadcastsFlow
    from handlers.dashboard import DashboardFlow
    from handlers.export import ExportFlow
    from handlers.stats import StatsFlow

    return [BroadcastFlow(), BroadcastsFlow(), StatsFlow(), ExportFlow(), DashboardFlow()]


ORGANIZERS = frozenset({ORGANIZER})
RAPPORTEURS = frozenset({RAPPORTEUR})

COMMANDS: dict[str, Command] = {
    "start": Command("registration", registered=False),
    "help": Command("help", registered=False),
    "language": Command("language", registered=False),
    "cancel": Command("cancel", registered=False),
    "menu": Command("menu"),
    "consult": Command("consultation"),
    "answers": Command("answers"),
    "roadmap": Command("roadmap", registered=False),
    "profile": Command("profile"),
    "reminders": Command("reminders"),
    "mydata": Command("mydata", registered=False),
    "forget": Command("forget", registered=False),
    "broadcast": Command("broadcast", roles=ORGANIZERS, registered=False),
    "broadcasts": Command("broadcasts", roles=ORGANIZERS, registered=False),
    "stats": Command("stats", roles=ORGANIZERS | RAPPORTEURS, registered=False),
    "export": Command("export", roles=RAPPORTEURS, registered=False),
    "dashboard": Command("dashboard", roles=ORGANIZERS | RAPPORTEURS, registered=False),
}

# Flows a person may be in without a finished registration: organizers and rapporteurs need not
# register as stakeholders, and anyone may read the roadmap, change language or erase their data.
OPEN_FLOWS = frozenset({"registration"} | {c.flow for c in COMMANDS.values() if not c.registered})
