"""Every flow as a Mermaid diagram drawn from the step tables (`consultbot flows graph`).

Each flow is a subgraph: a start node (its commands), its steps labelled with what they accept,
and an arrow for every move its table declares. Moves to the main menu are left out: every step
may go there.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.core.text import shorten
from handlers.flow import IDLE, START, Flow
from handlers.registry import COMMANDS, FLOWS

LABEL_LIMIT = 48


def _id(flow: str, step: str) -> str:
    name = "start" if step == START else step or "entry"
    return f"{flow}__{name}".replace("-", "_")


def _label(text: str) -> str:
    return shorten(text, LABEL_LIMIT).replace("#", "#35;").replace('"', "#quot;")


def _target(flow: Flow, target: str) -> str:
    name, _, step = target.partition("/")
    if name in flow.steps and not step:
        return _id(flow.name, name)
    if name in FLOWS and name != flow.name:
        return _id(name, step) if step else _id(name, START)
    return _id(flow.name, target)


def _flow(flow: Flow) -> Iterator[str]:
    commands = sorted(f"/{name}" for name, command in COMMANDS.items() if command.flow == flow.name)
    entry = _label(" ".join(commands) or flow.name)
    yield f'    subgraph {flow.name}["{flow.name}: {_label(flow.summary)}"]'
    yield f'        {_id(flow.name, START)}(["{entry}"])'
    for name, step in flow.steps.items():
        label = f"{_label(name or flow.name)}<br/>{_label(step.accepts)}"
        yield f'        {_id(flow.name, name)}["{label}"]'
    yield "    end"
    for target in flow.starts_at:
        yield f"    {_id(flow.name, START)} --> {_target(flow, target)}"
    for name, step in flow.steps.items():
        for target in step.goes_to:
            if target != IDLE:
                yield f"    {_id(flow.name, name)} --> {_target(flow, target)}"


def mermaid() -> str:
    """The flowchart of every flow, in registry order."""
    lines = ["flowchart LR"]
    for flow in FLOWS.values():
        lines += _flow(flow)
    return "\n".join(lines) + "\n"
