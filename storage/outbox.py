"""Queries on the outbox: idempotent enqueueing, leased claims, and the outcome of each send.

A row moves queued -> sending (claimed under a lease) -> sent | failed | unreachable |
no_template, or back to queued with a later `not_before` when it is to be retried. A platform that
reports delivery later (WhatsApp) may turn a sent row into delivered or read (`receipt`), failed,
unreachable, or back to queued when its free-form window had closed. A claim whose lease ran
out (its sender died) is due again, so a crash loses nothing and duplicates at most what was in
flight.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.dialect import greatest, insert_for
from storage.models import OutboxMessage, Stakeholder

QUEUED = "queued"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"
UNREACHABLE = "unreachable"
NO_TEMPLATE = "no_template"  # outside the platform's free-form window, no template in its language
STATUSES = (QUEUED, SENDING, SENT, FAILED, UNREACHABLE, NO_TEMPLATE)
RECEIPTS = ("sent", "delivered", "read")  # in the order a message goes through them

CLAIM_LOCK = 0x636C61696D  # pg_advisory_xact_lock key of a claim ('claim')
_CHUNK = 500  # rows per INSERT, well under SQLite's limit of bound parameters


@dataclass(frozen=True)
class NewMessage:
    """A message to enqueue; `key` names it so the same message is never queued twice."""

    key: str
    kind: str
    stakeholder_id: int
    platform: str
    chat_id: str
    text: str
    broadcast_id: int | None = None


class Addressee(Protocol):
    """Whoever a message goes to: a stakeholder and their chat."""

    stakeholder_id: int
    platform: str
    chat_id: str


def message_to(
    recipient: Addressee, key: str, kind: str, text: str, broadcast_id: int | None = None
) -> NewMessage:
    """A message for one recipient; `key` ends with their id so each gets one copy."""
    return NewMessage(
        key=f"{key}:{recipient.stakeholder_id}",
        kind=kind,
        stakeholder_id=recipient.stakeholder_id,
        platform=recipient.platform,
        chat_id=recipient.chat_id,
        text=text,
        broadcast_id=broadcast_id,
    )


@dataclass(frozen=True)
class Claimed:
    """A message a sender holds under a lease and must now deliver."""

    id: int
    key: str
    kind: str
    stakeholder_id: int
    broadcast_id: int | None
    platform: str
    chat_id: str
    text: str
    attempts: int
    not_before: dt.datetime
    last_inbound_at: dt.datetime | None = None  # the recipient's latest message, where recorded
    language: str | None = None  # the recipient's language


def _insert(session: AsyncSession):  # type: ignore[no-untyped-def]  # dialect Insert types differ
    return insert_for(session, OutboxMessage)


async def enqueue(session: AsyncSession, messages: Iterable[NewMessage], now: dt.datetime) -> int:
    """Queue messages whose key is new; return how many were queued (a repeat adds nothing)."""
    rows = [_row(message, now) for message in messages]
    added = 0
    for start in range(0, len(rows), _CHUNK):
        statement = (
            _insert(session)
            .values(rows[start : start + _CHUNK])
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(OutboxMessage.id)
        )
        added += len((await session.execute(statement)).all())
    return added


def _row(message: NewMessage, now: dt.datetime) -> dict[str, object]:
    return {
        "key": message.key,
        "kind": message.kind,
        "stakeholder_id": message.stakeholder_id,
        "broadcast_id": message.broadcast_id,
        "platform": message.platform,
        "chat_id": message.chat_id,
        "text": message.text,
        "status": QUEUED,
        "attempts": 0,
        "not_before": now,
        "created_at": now,
    }


def _due(now: dt.datetime, platforms: Sequence[str]):  # type: ignore[no-untyped-def]  # a SQL clause
    waiting = and_(OutboxMessage.status == QUEUED, OutboxMessage.not_before <= now)
    abandoned = and_(OutboxMessage.status == SENDING, OutboxMessage.lease_until < now)
    return and_(or_(waiting, abandoned), OutboxMessage.platform.in_(platforms))


def _chat_busy(now: dt.datetime, gap: dt.timedelta) -> Any:
    """Another message to the same chat is in flight under a live lease, or went out within
    `gap`: the chat's spacing holds across every sender, not only within one."""
    other = aliased(OutboxMessage)
    return exists().where(
        other.platform == OutboxMessage.platform,
        other.chat_id == OutboxMessage.chat_id,
        other.id != OutboxMessage.id,
        or_(
            and_(other.status == SENDING, other.lease_until >= now),
            other.sent_at > now - gap,
        ),
    )


async def claim(
    session: AsyncSession,
    owner: str,
    now: dt.datetime,
    lease: dt.timedelta,
    limit: int,
    platforms: Sequence[str],
    chat_gap: dt.timedelta | None = None,
) -> list[Claimed]:
    """Take up to `limit` due messages under a lease, oldest first, counting an attempt each.

    One UPDATE … RETURNING statement: on PostgreSQL its subquery locks rows FOR UPDATE SKIP
    LOCKED, and claims take turns on an advisory lock, so each sees the chats the others are
    sending to; on SQLite the statement takes the database's single write lock at once. With
    `chat_gap`, a chat another sender is writing to, or wrote to within it, is left for later.
    """
    due = _due(now, platforms)
    if chat_gap is not None:
        due = and_(due, ~_chat_busy(now, chat_gap))
    chosen = (
        select(OutboxMessage.id)
        .where(due)
        .order_by(OutboxMessage.not_before, OutboxMessage.id)
        .limit(limit)
    )
    assert session.bind is not None
    if session.bind.dialect.name == "postgresql":
        await session.execute(select(func.pg_advisory_xact_lock(CLAIM_LOCK)))
        chosen = chosen.with_for_update(skip_locked=True)
    statement = (
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(chosen.scalar_subquery()))
        .values(
            status=SENDING,
            lease_owner=owner,
            lease_until=now + lease,
            attempts=OutboxMessage.attempts + 1,
        )
        .returning(*_CLAIMED_COLUMNS)
        .execution_options(synchronize_session=False)
    )
    rows = (await session.execute(statement)).all()
    claimed = [Claimed(*row) for row in rows]
    return sorted(claimed, key=lambda message: (message.not_before, message.id))


_CLAIMED_COLUMNS = (
    OutboxMessage.id,
    OutboxMessage.key,
    OutboxMessage.kind,
    OutboxMessage.stakeholder_id,
    OutboxMessage.broadcast_id,
    OutboxMessage.platform,
    OutboxMessage.chat_id,
    OutboxMessage.text,
    OutboxMessage.attempts,
    OutboxMessage.not_before,
    select(Stakeholder.last_inbound_at)
    .where(Stakeholder.id == OutboxMessage.stakeholder_id)
    .scalar_subquery(),
    select(Stakeholder.language)
    .where(Stakeholder.id == OutboxMessage.stakeholder_id)
    .scalar_subquery(),
)


async def unreachable_among(session: AsyncSession, stakeholder_ids: Iterable[int]) -> set[int]:
    """Which of these stakeholders blocked the bot or left, so their messages are skipped."""
    ids = set(stakeholder_ids)
    if not ids:
        return set()
    rows = await session.scalars(
        select(Stakeholder.id).where(
            Stakeholder.id.in_(ids), Stakeholder.unreachable_since.is_not(None)
        )
    )
    return set(rows)


async def _finish(session: AsyncSession, message_id: int, owner: str, **values: object) -> bool:
    """Record an outcome only while this sender still holds the lease."""
    return bool(await _finish_many(session, (message_id,), owner, **values))


async def _finish_many(
    session: AsyncSession, message_ids: Sequence[int], owner: str, **values: object
) -> int:
    """Set `values` on those of the messages this sender still holds, and let go of them."""
    if not message_ids:
        return 0
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(message_ids),
            OutboxMessage.status == SENDING,
            OutboxMessage.lease_owner == owner,
        )
        .values(lease_owner=None, lease_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)


async def mark_sent(session: AsyncSession, message_id: int, owner: str, now: dt.datetime) -> bool:
    return await _finish(session, message_id, owner, status=SENT, sent_at=now, last_error=None)


async def mark_sent_many(
    session: AsyncSession, message_ids: Sequence[int], owner: str, now: dt.datetime
) -> None:
    """Record many deliveries in one statement (the sender settles a slice at a time)."""
    await _finish_many(session, message_ids, owner, status=SENT, sent_at=now, last_error=None)


async def mark_failed(session: AsyncSession, message_id: int, owner: str, error: str) -> bool:
    return await _finish(session, message_id, owner, status=FAILED, last_error=error[:2000])


async def mark_retry(
    session: AsyncSession, message_id: int, owner: str, not_before: dt.datetime, error: str
) -> bool:
    """Queue the message again for `not_before`, keeping the attempt it used."""
    return await _finish(
        session, message_id, owner, status=QUEUED, not_before=not_before, last_error=error[:2000]
    )


async def release(
    session: AsyncSession, message_ids: Sequence[int], owner: str, not_before: dt.datetime
) -> None:
    """Give back claimed messages that were never tried (a 429 pause), refunding the attempt."""
    await _finish_many(
        session,
        message_ids,
        owner,
        status=QUEUED,
        not_before=not_before,
        attempts=greatest(session, OutboxMessage.attempts - 1, 0),
    )


async def mark_unreachable(
    session: AsyncSession, message_id: int, owner: str, stakeholder_id: int, now: dt.datetime
) -> None:
    """The platform refused for good (403): flag the stakeholder and skip all their messages."""
    await _finish(session, message_id, owner, status=UNREACHABLE, last_error="unreachable")
    await stakeholder_unreachable(session, stakeholder_id, now)


async def stakeholder_unreachable(
    session: AsyncSession, stakeholder_id: int, now: dt.datetime
) -> None:
    """Flag the stakeholder and close their queued messages: nothing more is tried."""
    await session.execute(
        update(Stakeholder)
        .where(Stakeholder.id == stakeholder_id, Stakeholder.unreachable_since.is_(None))
        .values(unreachable_since=now)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.stakeholder_id == stakeholder_id, OutboxMessage.status == QUEUED)
        .values(status=UNREACHABLE, last_error="unreachable")
        .execution_options(synchronize_session=False)
    )


async def skip_unreachable(session: AsyncSession, message_id: int, owner: str) -> bool:
    """Close a claimed message whose stakeholder is already known to be unreachable."""
    return await _finish(session, message_id, owner, status=UNREACHABLE, last_error="unreachable")


async def mark_no_template(session: AsyncSession, message_id: int, owner: str, detail: str) -> bool:
    """Outside the recipient's free-form window with no template to send instead: counted, kept."""
    return await _finish(session, message_id, owner, status=NO_TEMPLATE, last_error=detail[:2000])


async def reopen_window_closed(
    session: AsyncSession, message_id: int, owner: str, stakeholder_id: int, now: dt.datetime
) -> bool:
    """The platform says the free-form window is closed: queue again, to go as a template."""
    reopened = await _finish(
        session, message_id, owner, status=QUEUED, not_before=now, last_error="window closed"
    )
    await close_window(session, stakeholder_id, now)
    return reopened


async def close_window(session: AsyncSession, stakeholder_id: int, before: dt.datetime) -> None:
    """Forget a latest message older than `before`, so the next send is a template."""
    await session.execute(
        update(Stakeholder)
        .where(Stakeholder.id == stakeholder_id, Stakeholder.last_inbound_at <= before)
        .values(last_inbound_at=None)
        .execution_options(synchronize_session=False)
    )


async def counts_by_broadcast(
    session: AsyncSession, broadcast_ids: Sequence[int] | None = None
) -> dict[int, dict[str, int]]:
    """Queued (including in flight), sent, failed and unreachable messages of each broadcast."""
    statement = (
        select(OutboxMessage.broadcast_id, OutboxMessage.status, func.count())
        .where(OutboxMessage.broadcast_id.is_not(None))
        .group_by(OutboxMessage.broadcast_id, OutboxMessage.status)
    )
    if broadcast_ids is not None:
        statement = statement.where(OutboxMessage.broadcast_id.in_(broadcast_ids))
    counts: dict[int, dict[str, int]] = {}
    for broadcast_id, status, number in await session.execute(statement):
        row = counts.setdefault(broadcast_id, empty_counts())
        row[QUEUED if status == SENDING else status] += number
    return counts


def empty_counts() -> dict[str, int]:
    return {QUEUED: 0, SENT: 0, FAILED: 0, UNREACHABLE: 0, NO_TEMPLATE: 0}


async def pending(session: AsyncSession, platforms: Sequence[str] | None = None) -> int:
    """Messages not yet delivered or given up, due now or later."""
    statement = select(func.count()).where(OutboxMessage.status.in_((QUEUED, SENDING)))
    if platforms is not None:
        statement = statement.where(OutboxMessage.platform.in_(platforms))
    return int(await session.scalar(statement) or 0)


async def next_due(session: AsyncSession, platforms: Sequence[str]) -> dt.datetime | None:
    """When the earliest waiting message becomes due, so an idle sender knows how long to rest."""
    queued = await session.scalar(
        select(func.min(OutboxMessage.not_before)).where(
            OutboxMessage.status == QUEUED, OutboxMessage.platform.in_(platforms)
        )
    )
    leased = await session.scalar(
        select(func.min(OutboxMessage.lease_until)).where(
            OutboxMessage.status == SENDING, OutboxMessage.platform.in_(platforms)
        )
    )
    moments = [moment for moment in (queued, leased) if moment is not None]
    return min(_aware(moment) for moment in moments) if moments else None


def _aware(moment: dt.datetime) -> dt.datetime:
    """func.min bypasses the column type, so SQLite hands back naive UTC text or datetimes."""
    if isinstance(moment, str):
        moment = dt.datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
