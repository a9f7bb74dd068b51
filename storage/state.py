"""A stakeholder's state as plain values: loaded in one query per update, saved in one write each.

Flows change these dataclasses, never ORM rows; `save_state` writes only the fields that changed
and moves the conversation on only from the version it was read at, so a second process that
wrote meanwhile makes the save fail with `StaleState` and the update runs again.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import and_, bindparam, exists, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Conversation, Role, Stakeholder
from storage.roles import ROLES, stored_roles


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
    before: tuple[tuple[Any, ...], tuple[Any, ...]] | None = None

    def snapshot(self) -> None:
        self.before = (_stakeholder_values(self.stakeholder), _position_values(self.position))


def _stakeholder_values(stakeholder: StakeholderState) -> tuple[Any, ...]:
    return tuple(getattr(stakeholder, name) for name in STAKEHOLDER_FIELDS)


def _position_values(position: Position) -> tuple[Any, ...]:
    return (position.flow, position.step, copy.deepcopy(position.draft or {}))


_COLUMNS = [getattr(Stakeholder, name) for name in STAKEHOLDER_FIELDS]
_CONVERSATION = [Conversation.id, Conversation.flow, Conversation.step, Conversation.draft]


def _has_role(role: str) -> Any:
    return exists().where(
        and_(
            Role.platform == bindparam("platform"),
            Role.user_id == bindparam("user_id"),
            Role.role == role,
        )
    )


# Built once: the hot path binds values instead of building and coercing a statement per update.
_LOAD = (
    select(
        *_COLUMNS,
        *_CONVERSATION,
        Conversation.version,
        *(_has_role(role).label(f"has_{role}") for role in ROLES),  # one EXISTS each
    )
    .outerjoin(Conversation, Conversation.stakeholder_id == Stakeholder.id)
    .where(
        Stakeholder.platform == bindparam("platform"),
        Stakeholder.platform_user_id == bindparam("user_id"),
    )
)
_MOVE = (
    update(Conversation)
    .where(Conversation.id == bindparam("row"), Conversation.version == bindparam("seen"))
    .values(
        flow=bindparam("to_flow"),
        step=bindparam("to_step"),
        draft=bindparam("to_draft", type_=Conversation.draft.type),
        version=Conversation.version + 1,
    )
)


async def take_turn(session: AsyncSession, platform: str, user_id: str) -> None:
    """On PostgreSQL, hold this person's lock until the transaction ends: their updates go one
    at a time across every replica (within one process the engine orders them already)."""
    assert session.bind is not None
    if session.bind.dialect.name != "postgresql":
        return  # SQLite has one writer at a time anyway
    key = func.hashtextextended(f"{platform}:{user_id}", 0)
    await session.execute(select(func.pg_advisory_xact_lock(key)))


async def load_state(session: AsyncSession, platform: str, user_id: str, chat_id: str) -> State:
    """The stakeholder, their conversation and stored roles, in one query; rows made on first
    contact."""
    row = (
        await (await session.connection()).execute(
            _LOAD, {"platform": platform, "user_id": user_id}
        )
    ).first()
    if row is None:
        state = await _create(session, platform, user_id, chat_id)
    else:
        fields = len(STAKEHOLDER_FIELDS)
        stakeholder = StakeholderState(*row[:fields])
        conversation_id, flow, step, draft, version = row[fields : fields + 5]
        roles = frozenset(r for r, held in zip(ROLES, row[fields + 5 :], strict=True) if held)
        if conversation_id is None:
            position = await _create_conversation(session, stakeholder.id)
        else:
            position = Position(flow, step, dict(draft or {}), conversation_id, version)
        state = State(stakeholder, position, roles)
    state.snapshot()
    if state.stakeholder.chat_id != chat_id:
        state.stakeholder.chat_id = chat_id  # saved with the rest: the chat the user wrote from
    return state


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
    return State(stakeholder, position, frozenset(await stored_roles(session, platform, user_id)))


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
    now = _stakeholder_values(state.stakeholder)
    changed = {
        name: value
        for name, value, was in zip(STAKEHOLDER_FIELDS, now, before_stakeholder, strict=True)
        if name not in _READ_ONLY and value != was
    }
    if changed:
        await session.execute(
            update(Stakeholder).where(Stakeholder.id == state.stakeholder.id).values(**changed)
        )
    position = state.position
    if _position_values(position) == before_position:
        return
    moved = {
        "row": position.conversation_id,
        "seen": position.version,
        "to_flow": position.flow,
        "to_step": position.step,
        "to_draft": position.draft or {},
    }
    result = await (await session.connection()).execute(_MOVE, moved)
    if result.rowcount != 1:  # type: ignore[attr-defined]  # an UPDATE's CursorResult
        raise StaleState(f"conversation {position.conversation_id} moved on")
    position.version += 1
    state.snapshot()
