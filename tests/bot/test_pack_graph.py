"""`consultbot pack graph` draws the consultation flow as a Mermaid flowchart."""

from __future__ import annotations

import re

import yaml
from typer.testing import CliRunner

from bot.commands.cli import app
from bot.pack import PACKS_DIR, Pack, parse_pack
from bot.pack.graph import mermaid

NODE = re.compile(r'^\s+(s\d+q\d+)\["([a-z_]+): (.*)"\]$')
LABEL = re.compile(r'\["(.*)"\]')


def nodes(diagram: str) -> list[tuple[str, str, str]]:
    return [m.groups() for line in diagram.splitlines() if (m := NODE.match(line))]


def test_every_question_is_a_node_with_its_type(pack: Pack) -> None:
    """Each question of each session appears once, in order, labelled with its type."""
    drawn = nodes(mermaid(pack))
    expected = [
        (f"s{s}q{q}", question.type)
        for s, session in enumerate(pack.sessions)
        for q, question in enumerate(session.questions)
    ]
    assert [(node, kind) for node, kind, _ in drawn] == expected


def test_sessions_are_subgraphs_chained_in_order(pack: Pack) -> None:
    """Sessions are subgraphs with their objectives, joined start → s0 → … → finish."""
    diagram = mermaid(pack)
    assert diagram.startswith("flowchart TD\n")
    assert 'subgraph s0["1. Inclusión · GCM 14, 15, 16, 19, 20, 22"]' in diagram
    assert diagram.count("subgraph ") == len(pack.sessions) == diagram.count("\n    end\n")
    last = len(pack.sessions) - 1
    chain = ["start --> s0", *(f"s{i} --> s{i + 1}" for i in range(last)), f"s{last} --> finish"]
    for edge in chain:
        assert f"    {edge}\n" in diagram
    assert "        s0q0 --> s0q1\n" in diagram


def test_language_chooses_the_labels(pack: Pack) -> None:
    """Labels are in the language asked for, else in the pack's default (Spanish)."""
    english = mermaid(pack, "en")
    assert "What progress have you seen" in english
    assert "¿Qué avances" not in english
    assert "¿Qué avances" in mermaid(pack)


def test_optional_questions_are_dashed(pack: Pack) -> None:
    """Optional questions get the dashed class, required ones do not."""
    diagram = mermaid(pack)
    [class_line] = [line for line in diagram.splitlines() if line.strip().startswith("class ")]
    dashed = set(class_line.split()[1].split(","))
    for s, session in enumerate(pack.sessions):
        for q, question in enumerate(session.questions):
            assert (f"s{s}q{q}" in dashed) is question.optional


def test_quotes_and_long_texts_cannot_break_a_label() -> None:
    """A double quote is escaped and a long question is shortened with an ellipsis."""
    raw = yaml.safe_load((PACKS_DIR / "lac-2025.yaml").read_text(encoding="utf-8"))
    question = dict(raw["sessions"][4]["questions"][0])
    question["text"] = {
        "es": 'Diga "sí" ' + "o no " * 40,
        "en": 'Say "yes"',
        "pt": 'Diga "sim"',
        "fr": 'Dites "oui"',
    }
    raw["sessions"][4]["questions"] = [question]
    diagram = mermaid(parse_pack(raw))
    for line in diagram.splitlines():
        for label in LABEL.findall(line):
            assert '"' not in label
    assert "Diga #quot;sí#quot;" in diagram
    assert "…" in diagram


def test_cli_prints_the_graph() -> None:
    """`consultbot pack graph lac-2025` prints the flowchart and exits 0."""
    result = CliRunner().invoke(app, ["pack", "graph", "lac-2025"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("flowchart TD")
    assert "pledge: " in result.stdout
