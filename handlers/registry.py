"""Every flow, and which flow each command opens; the router reads these tables."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from handlers import (
    answers,
    broadcast,
    consultation,
    dashboard,
    export,
    help,
    language,
    privacy,
    profile,
    registration,
    roadmap,
    stats,
)
from handlers.flow import Flow


@dataclass(frozen=True)
class Command:
    flow: str
    registered: bool = True  # needs a finished registration


FLOWS: Mapping[str, Flow] = MappingProxyType(
    {
        flow.name: flow
        for flow in (
            registration.FLOW,
            consultation.FLOW,
            answers.FLOW,
            profile.FLOW,
            language.FLOW,
            *roadmap.FLOWS,
            *privacy.FLOWS,
            *help.FLOWS,
            *broadcast.FLOWS,
            stats.FLOW,
            export.FLOW,
            dashboard.FLOW,
        )
    }
)

COMMANDS: Mapping[str, Command] = MappingProxyType(
    {
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
        "broadcast": Command("broadcast", registered=False),
        "broadcasts": Command("broadcasts", registered=False),
        "stats": Command("stats", registered=False),
        "export": Command("export", registered=False),
        "dashboard": Command("dashboard", registered=False),
    }
)

# Flows a person may be in without a finished registration: organizers and rapporteurs need not
# register as stakeholders, and anyone may read the roadmap, change language or erase their data.
OPEN_FLOWS = frozenset({"registration"} | {c.flow for c in COMMANDS.values() if not c.registered})
