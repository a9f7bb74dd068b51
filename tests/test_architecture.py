"""The layout's rules, read from the source: no import cycles, and each layer imports only below.

Imports inside functions count too: a lazy import hides a cycle from Python, not from a reader.
Imports under `if TYPE_CHECKING:` do not: they never run, and are how annotations name a type
without importing its module.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "handlers", "storage")

# What each part of the code may import from the project (prefixes; everything else is refused).
ALLOWED: dict[str, tuple[str, ...]] = {
    "bot.core": ("bot.core",),
    "bot.pack": ("bot.core", "bot.pack", "bot.questions"),
    "bot.domain": ("bot.core", "bot.pack", "bot.domain", "storage"),
    "bot.questions": ("bot.core", "bot.pack", "bot.questions"),
    "storage": ("storage",),
    "handlers": (
        "bot.core",
        "bot.pack",
        "bot.domain",
        "bot.questions",
        "storage",
        "handlers",
    ),
    "bot.engine": (
        "bot.core",
        "bot.pack",
        "bot.questions",
        "handlers",
        "storage",
        "bot.engine",
        "bot.export",  # a deferred /export (bot/engine/jobs.py)
        "bot.observability",
    ),
    # Logs, metrics and probes: fed by one-line calls from the engine and the outbox.
    "bot.observability": ("bot.core", "storage", "bot.observability"),
    "bot.transports": ("bot.core", "bot.transports"),
    "bot.export": ("bot.core", "bot.pack", "bot.domain", "bot.questions", "storage", "bot.export"),
}
PLATFORM_LIBRARIES = ("telegram", "slack_bolt", "slack_sdk", "pywa", "pywa_async")


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def imports(path: Path, name: str) -> Iterator[str]:
    """Every module an import statement in the file names, resolved to absolute names."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    type_only = {
        id(child)
        for node in ast.walk(tree)
        if isinstance(node, ast.If)
        and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING")
        for child in ast.walk(node)
    }
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def graph() -> dict[str, set[str]]:
    known = modules()
    edges: dict[str, set[str]] = {name: set() for name in known}
    for name, path in known.items():
        for target in imports(path, name):
            if target in known and target != name:
                edges[name].add(target)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def _layer(name: str) -> str | None:
    matches = [layer for layer in ALLOWED if name == layer or name.startswith(layer + ".")]
    return max(matches, key=len) if matches else None


def test_no_import_cycles() -> None:
    """No module imports itself back, directly or through others (lazy imports included)."""
    assert cycles(graph()) == []


def test_cycle_finder_finds_a_cycle() -> None:
    """The check above can fail: a two-module loop is reported."""
    assert cycles({"a": {"b"}, "b": {"a"}, "c": set()}) == [["a", "b"]]


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_each_layer_imports_only_what_it_may(layer: str) -> None:
    """Storage sees nothing above it; handlers see no engine or transport; and so on."""
    wrong = []
    for name, targets in graph().items():
        if _layer(name) != layer:
            continue
        for target in targets:
            if not any(target == ok or target.startswith(ok + ".") for ok in ALLOWED[layer]):
                wrong.append(f"{name} -> {target}")
    assert wrong == []


def test_only_transports_import_platform_libraries() -> None:
    """Handlers, the engine and storage never import a chat platform's SDK."""
    wrong = []
    for name, path in modules().items():
        if name.startswith(("bot.transports", "bot.app")):
            continue
        for target in imports(path, name):
            if target.split(".")[0] in PLATFORM_LIBRARIES:
                wrong.append(f"{name} -> {target}")
    assert wrong == []


def test_a_platform_package_never_imports_another() -> None:
    """WhatsApp alone runs without python-telegram-bot: what platforms share is in
    bot.transports.base and bot.transports.text, not in one of them."""
    platforms = ("telegram", "slack", "whatsapp")
    wrong = []
    for name, targets in graph().items():
        own = next((p for p in platforms if name.startswith(f"bot.transports.{p}")), None)
        for target in targets if own else ():
            other = next((p for p in platforms if target.startswith(f"bot.transports.{p}")), own)
            if other != own:
                wrong.append(f"{name} -> {target}")
    assert wrong == []


def test_every_type_ignore_says_why() -> None:
    """A silenced type error carries its reason on the same line, after the ignore."""
    pattern = re.compile(r"#\s*type:\s*ignore(\[[^\]]*\])?(?P<rest>.*)$")
    bare = []
    for path in [*(ROOT / p for p in PACKAGES), ROOT / "tests"]:
        for file in path.rglob("*.py"):
            for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
                found = pattern.search(line)
                if found and not found.group("rest").strip().lstrip("#").strip():
                    bare.append(f"{file.relative_to(ROOT)}:{number}")
    assert bare == []


def test_the_command_menu_names_roles_as_storage_does() -> None:
    """bot.core may not import storage, so its role names are checked against storage's here."""
    from bot.core import command_menu
    from storage import roles

    assert (command_menu.ORGANIZER, command_menu.RAPPORTEUR) == (roles.ORGANIZER, roles.RAPPORTEUR)
    assert {role for c in command_menu.COMMAND_MENU for role in c.roles} == set(roles.ROLES)


def test_handlers_hold_no_database() -> None:
    """Flows see the store's typed interface only: no SQLAlchemy, no storage.db (issue 10)."""
    wrong = [
        f"{name} -> {target}"
        for name, targets in graph().items()
        if name.startswith("handlers")
        for target in targets
        if target.startswith(("storage.db", "storage.models", "sqlalchemy"))
    ]
    assert wrong == []
