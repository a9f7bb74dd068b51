"""A stakeholder's state as plain values: loaded in one query per update, saved in one write each.

Flows change these dataclasses, never ORM rows; `save_state` writes only the fields that changed
and moves the conversation on only from the version it was read at, so a second process that
wrote meanwhile makes the save fail with `StaleState` and the update runs again.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import asdict, dataclass, fields
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Conversation, Role, Stakeholder


class StaleState(Exception):
    """Another process moved this conversation on since it was read; run the update again."""


@dataclass
class StakeholderState:
    """The stakeholder's row as flows read and change it."""

    id: int
    platform: str
    platform_user_id: str
    chat_id: str
    language: str | None = None
    organization: str | None = None
    category: str | None = None
    country: str | None = None
    subregion: str | None = None
    email: str | None = None
    consent_version: str | None = None
    consented_at: dt.datetime | None = None
    attribution_consent: bool | None = None
    publication_consent: bool | None = None
    reminders_opt_in: bool = False
    registered_at: dt.datetime | None = None
    unreachable_since: dt.datetime | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None


STAKEHOLDER_FIELDS = tuple(field.name for field in fields(StakeholderState))
_READ_ONLY = {"id", "platform", "platform_user_id", "created_at", "updated_at"}


@dataclass
class Position:
    """Where the stakeholder is: a flow, its step, and the step's draft (JSON)."""

    flow: str = "idle"
    step: str = ""
    draft: dict[str, Any] | None = None
    conversation_id: int | None = None
    version: int = 0


@dataclass
class State:
    """What one update starts from, and a copy to tell what it changed."""

    stakeholder: StakeholderState
    position: Position
    stored_roles: frozenset[str]
    before: tuple[dict[str, Any], dict[str, Any]] | None = None

    def snapshot(self) -> None:
        self.before = (asdict(self.stakeholder), _position_values(self.position))


def _position_values(position: Position) -> dict[str, Any]:
    return {
        "flow": position.flow,
        "step": position.step,
        "draft": copy.deepcopy(position.draft or {}),
    }


_COLUMNS = [getattr(Stakeholder, name) for name in STAKEHOLDER_FIELDS]
_CONVERSATION = [Conversation.id, Conversation.flow, Conversation.step, Conversation.draft]


async def load_state(session: AsyncSession, platform: str, user_id: str, chat_id: str) -> State:
    """The stakeholder, their conversation and stored roles; rows made on first contact."""
    row = (
        await session.execute(
            select(*_COLUMNS, *_CONVERSATION, Conversation.version)
            .outerjoin(Conversation, Conversation.stakeholder_id == Stakeholder.id)
            .where(Stakeholder.platform == platform, Stakeholder.platform_user_id == user_id)
        )
    ).first()
    if row is None:
        state = await _create(session, platform, user_id, chat_id)
    else:
        values = dict(zip(STAKEHOLDER_FIELDS, row[: len(STAKEHOLDER_FIELDS)], strict=True))
        conversation_id, flow, step, draft, version = row[len(STAKEHOLDER_FIELDS) :]
        stakeholder = StakeholderState(**values)
        if conversation_id is None:
            position = await _create_conversation(session, stakeholder.id)
        else:
            position = Position(flow, step, dict(draft or {}), conversation_id, version)
        state = State(stakeholder, position, await _roles(session, platform, user_id))
    state.snapshot()
    if state.stakeholder.chat_id != chat_id:
        state.stakeholder.chat_id = chat_id  # saved with the rest: the chat the user wrote from
    return state


async def _roles(session: AsyncSession, platform: str, user_id: str) -> frozenset[str]:
    rows = await session.scalars(
        select(Role.role).where(Role.platform == platform, Role.user_id == user_id)
    )
    return frozenset(rows)


async def _create(session: AsyncSession, platform: str, user_id: str, chat_id: str) -> State:
    """A first contact: the platform ids alone (nothing personal before consent)."""
    created = (
        await session.execute(
            insert(Stakeholder)
            .values(platform=platform, platform_user_id=user_id, chat_id=chat_id)
            .returning(*_COLUMNS)
        )
    ).one()
    stakeholder = StakeholderState(**dict(zip(STAKEHOLDER_FIELDS, created, strict=True)))
    stakeholder_id = stakeholder.id
    position = await _create_conversation(session, stakeholder_id)
    return State(stakeholder, position, await _roles(session, platform, user_id))


async def _create_conversation(session: AsyncSession, stakeholder_id: int) -> Position:
    conversation_id = await session.scalar(
        insert(Conversation)
        .values(stakeholder_id=stakeholder_id, flow="idle", step="", draft={}, version=1)
        .returning(Conversation.id)
    )
    return Position("idle", "", {}, conversation_id, 1)


async def save_state(session: AsyncSession, state: State) -> None:
    """Write what the update changed; raise StaleState when another process got there first."""
    assert state.before is not None, "load_state takes the snapshot"
    before_stakeholder, before_position = state.before
    now = asdict(state.stakeholder)
    changed = {
        name: value
        for name, value in now.items()
        if name not in _READ_ONLY and value != before_stakeholder[name]
    }
    if changed:
        await session.execute(
            update(Stakeholder).where(Stakeholder.id == state.stakeholder.id).values(**changed)
        )
    position = state.position
    if _position_values(position) == before_position:
        return
    result = await session.execute(
        update(Conversation)
        .where(
            Conversation.id == position.conversation_id, Conversation.version == position.version
        )
        .values(
            flow=position.flow,
            step=position.step,
            draft=position.draft or {},
            version=Conversation.version + 1,
        )
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]  # an UPDATE's CursorResult
        raise StaleState(f"conversation {position.conversation_id} moved on")
    position.version += 1
    state.snapshot()
