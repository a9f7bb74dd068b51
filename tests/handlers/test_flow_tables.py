"""The step tables: moves are checked against them, and the diagram draws exactly them."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from bot.commands.cli import app
from handlers.diagram import mermaid
from handlers.flow import START, Flow, Step, Transitions, UndeclaredMove, check_move
from handlers.registry import COMMANDS, FLOWS


async def _nothing(ctx) -> None:
    return None


TOY = Flow(
    name="toy",
    start=_nothing,
    summary="a toy",
    starts_at=("one",),
    steps={"one": Step(_nothing, _nothing, "text", ("two",)), "two": Step(_nothing, _nothing, "x")},
)


def test_declared_moves_pass_and_others_raise_under_the_tests() -> None:
    """one → two is declared; two → one is not and raises; the menu is always allowed."""
    assert Transitions.strict
    check_move(TOY, START, "toy", "one")
    check_move(TOY, "one", "toy", "two")
    check_move(TOY, "two", "idle", "")
    with pytest.raises(UndeclaredMove):
        check_move(TOY, "two", "toy", "one")


def test_an_undeclared_move_is_only_logged_in_production(caplog) -> None:
    """Outside the tests a table gap is an error in the log, not a failed update."""
    Transitions.strict = False
    check_move(TOY, "two", "toy", "one")
    assert "toy:two may not go to toy:one" in caplog.text


def test_every_target_names_a_step_or_a_flow() -> None:
    """No table points at a step that does not exist."""
    for flow in FLOWS.values():
        targets = [*flow.starts_at, *(t for step in flow.steps.values() for t in step.goes_to)]
        for target in targets:
            name, _, step = target.partition("/")
            if step:
                assert name in FLOWS and step in FLOWS[name].steps, (flow.name, target)
            else:
                assert target in flow.steps or target in FLOWS, (flow.name, target)


def test_every_command_opens_a_flow() -> None:
    """Each chat command names a flow of the registry."""
    assert {command.flow for command in COMMANDS.values()} <= set(FLOWS)


def test_the_diagram_has_every_step_and_every_declared_move() -> None:
    """Each step is a node and each declared move an arrow; ids are safe for Mermaid."""
    diagram = mermaid()
    assert diagram.startswith("flowchart LR\n")
    for flow in FLOWS.values():
        for name, step in flow.steps.items():
            node = f"{flow.name}__{name or 'entry'}"
            assert f"        {node}[" in diagram
            for target in step.goes_to:
                if target != "idle":
                    assert re.search(rf"^    {node} --> \w+$", diagram, re.MULTILINE)
    ids = re.findall(r"^\s+(\S+?)[\[(]", diagram, re.MULTILINE)
    assert all(re.fullmatch(r"\w+", node) for node in ids if node != "subgraph")
    assert "answers__answer --> consultation__question" in diagram


def test_cli_prints_the_flows() -> None:
    """`consultbot flows graph` prints the diagram."""
    result = CliRunner().invoke(app, ["flows", "graph"])
    assert result.exit_code == 0 and result.stdout == mermaid()
