"""The consultation flow of a pack as a Mermaid flowchart, for `consultbot pack graph`.

Each session is a subgraph holding its questions in the order they are asked, each labelled with
its type; optional questions are drawn dashed. Node ids are positional (`s1q0`), so keys with
dashes or accents never break the diagram.
"""

from __future__ import annotations

from itertools import pairwise

from bot.pack import Pack, Question, Session

LABEL_LIMIT = 60


def _label(text: str, limit: int = LABEL_LIMIT) -> str:
    """Flatten and shorten a text so it fits a node and cannot close the quoted label."""
    flat = " ".join(text.split())
    if len(flat) > limit:
        flat = flat[: limit - 1].rstrip() + "…"
    return flat.replace("#", "#35;").replace('"', "#quot;")


def _session_label(pack: Pack, session: Session, language: str | None) -> str:
    title = pack.text(session.short_title or session.title, language)
    prefix = f"{session.number}. " if session.number is not None else ""
    objectives = ", ".join(str(number) for number in session.objectives)
    suffix = f" · GCM {objectives}" if objectives else ""
    return _label(prefix + title, LABEL_LIMIT) + suffix


def _question_label(pack: Pack, question: Question, language: str | None) -> str:
    return f"{question.type}: {_label(pack.text(question.text, language))}"


def mermaid(pack: Pack, language: str | None = None) -> str:
    """Draw sessions → questions (with their types) in `language`, else the pack's default."""
    lines = ["flowchart TD", f'    start(["{_label(pack.text(pack.event.short_name, language))}"])']
    optional: list[str] = []
    previous = "start"
    for s_index, session in enumerate(pack.sessions):
        session_id = f"s{s_index}"
        lines.append(f'    subgraph {session_id}["{_session_label(pack, session, language)}"]')
        lines.append("        direction TB")
        question_ids = [f"{session_id}q{q_index}" for q_index in range(len(session.questions))]
        for node, question in zip(question_ids, session.questions, strict=True):
            lines.append(f'        {node}["{_question_label(pack, question, language)}"]')
            if question.optional:
                optional.append(node)
        lines.extend(f"        {a} --> {b}" for a, b in pairwise(question_ids))
        lines.append("    end")
        lines.append(f"    {previous} --> {session_id}")
        previous = session_id
    lines.append('    finish(["✓"])')
    lines.append(f"    {previous} --> finish")
    if optional:
        lines.append("    classDef optional stroke-dasharray: 5 5")
        lines.append(f"    class {','.join(optional)} optional")
    return "\n".join(lines) + "\n"
