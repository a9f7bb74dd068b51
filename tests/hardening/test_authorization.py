"""The authorization matrix: every admin capability, at every step, for every role (issue 12, 4).

Roles are checked at each update, not only when a command starts: a role revoked mid-flow stops
the flow at its next step, and a confirmation never goes through for someone without the role.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from bot.pack import Pack
from handlers.base import step_token
from handlers.registry import COMMANDS, FLOWS
from storage import roles
from storage.db import Database
from storage.models import Broadcast, Conversation, OutboxMessage, Stakeholder
from tests.dialog import Dialog, make_engine, register

ADMIN_FLOWS = {name: flow for name, flow in FLOWS.items() if flow.roles}
ROLE_SETS = [frozenset(), frozenset({roles.ORGANIZER}), frozenset({roles.RAPPORTEUR})]
DRAFT = {
    "texts": {"es": "Aviso", "en": "Notice"},
    "audience": {},
    "writing": "es",
    "field": "category",
}


def _steps() -> list[tuple[str, str]]:
    return [(name, step) for name, flow in ADMIN_FLOWS.items() for step in flow.steps]


async def _person(db: Database, pack: Pack, tmp_path: Path, held: frozenset[str]) -> Dialog:
    """A registered stakeholder holding the roles `held` (granted as `consultbot roles` does)."""
    engine = make_engine(db, pack, tmp_path)
    dialog = Dialog(engine, user_id="admin")
    await register(dialog)
    async with db.transaction() as session:
        for role in held:
            await roles.grant(session, "console", "admin", role, "test")
    return dialog


async def _place(db: Database, flow: str, step: str) -> None:
    """Put the person at a step of a flow, as if they had walked there earlier."""
    async with db.transaction() as session:
        await session.execute(
            update(Conversation).values(flow=flow, step=step, draft={**DRAFT, "_scope": ""})
        )


async def _count(db: Database, model: type) -> int:
    async with db.transaction() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.parametrize(("held", "command"), list(itertools.product(ROLE_SETS, sorted(COMMANDS))))
async def test_every_command_checks_the_role(
    db: Database, pack: Pack, tmp_path: Path, held: frozenset[str], command: str
) -> None:
    """An admin command is refused, with nothing queued or exported, to anyone without its role."""
    flow = FLOWS[COMMANDS[command].flow]
    dialog = await _person(db, pack, tmp_path, held)
    replies = await dialog.command(f"/{command}")
    allowed = not flow.roles or bool(flow.roles & held)
    assert ("error.forbidden" not in dialog.keys) == allowed, (command, held, dialog.keys)
    if not allowed:
        assert [reply.document for reply in replies] == [None] * len(replies)
        assert await _count(db, Broadcast) == 0


@pytest.mark.parametrize(("held", "at"), list(itertools.product(ROLE_SETS, _steps())))
async def test_every_admin_step_checks_the_role(
    db: Database, pack: Pack, tmp_path: Path, held: frozenset[str], at: tuple[str, str]
) -> None:
    """At any step of an admin flow, any input from someone without its role is refused and
    the flow ends; every button of that step (Send, a format) does nothing."""
    flow_name, step = at
    flow = FLOWS[flow_name]
    dialog = await _person(db, pack, tmp_path, held)
    await _place(db, flow_name, step)
    allowed = bool(flow.roles & held)
    token = step_token(flow_name, step, "")
    for value in ("send", "xlsx", "docx", "everyone", "next", "es"):
        await dialog.tap_data(f"{token}:{value}")
        assert ("error.forbidden" in dialog.keys) != allowed, (at, held, dialog.keys)
        if not allowed:
            assert dialog.keys == ["error.forbidden"], (at, held, dialog.keys)
            await _place(db, flow_name, step)
    if not allowed:
        assert await _count(db, Broadcast) == 0 and await _count(db, OutboxMessage) == 0
        assert all(reply.document is None for reply in dialog.replies)


async def test_a_broadcast_started_before_a_revoke_cannot_be_confirmed(
    db: Database, pack: Pack, tmp_path: Path
) -> None:
    """`consultbot roles revoke` between the preview and Send: Send is refused, nothing queued."""
    others = Dialog(make_engine(db, pack, tmp_path), user_id="stakeholder")
    await register(others)
    dialog = await _person(db, pack, tmp_path, frozenset({roles.ORGANIZER}))
    await dialog.command("/broadcast La audiencia es el 12 de mayo")
    for _ in range(len(pack.languages)):
        if "ask.broadcast.audience" in dialog.keys:
            break
        await dialog.tap("Choose the audience")
    await dialog.tap("Preview and send")
    assert dialog.keys[-1] == "ask.broadcast.confirm"
    async with db.transaction() as session:
        assert await roles.revoke(session, "console", "admin", roles.ORGANIZER)
    await dialog.tap("Send")
    assert dialog.keys == ["error.forbidden"]
    assert await _count(db, Broadcast) == 0 and await _count(db, OutboxMessage) == 0
    async with db.transaction() as session:
        flow = await session.scalar(
            select(Conversation.flow)
            .join(Stakeholder, Stakeholder.id == Conversation.stakeholder_id)
            .where(Stakeholder.platform_user_id == "admin")
        )
    assert flow == "idle"
