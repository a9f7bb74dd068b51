"""Queries on broadcasts: who is in an audience, and queueing one message per recipient."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import outbox
from storage.models import Answer, AuditEntry, Broadcast, Stakeholder


@dataclass(frozen=True)
class Audience:
    """Who a broadcast reaches: values of one field are alternatives, fields narrow each other.

    The empty audience is everyone registered. `reminders` keeps only those who opted in to
    reminders (True) or only those who did not (False).
    """

    subregions: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    sessions: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    reminders: bool | None = None

    def to_json(self) -> dict[str, Any]:
        """The non-empty filters, as stored in broadcasts.audience and the audit log."""
        return {name: list(value) if isinstance(value, tuple) else value
                for name, value in asdict(self).items()
                if value not in ((), None)}  # fmt: skip

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Audience:
        values = {name: tuple(value) if isinstance(value, list) else value
                  for name, value in data.items()}  # fmt: skip
        return cls(**values)

    @property
    def everyone(self) -> bool:
        return not self.to_json()


@dataclass(frozen=True)
class Recipient:
    """Where one stakeholder's copy goes and in which language."""

    stakeholder_id: int
    platform: str
    chat_id: str
    language: str | None
    country: str | None


@dataclass(frozen=True)
class Queued:
    """A broadcast just created: its id and how many messages it queued."""

    broadcast_id: int
    recipients: int
    by_language: dict[str, int] = field(default_factory=dict)


def _filters(audience: Audience, default_language: str) -> list[ColumnElement[bool]]:
    """Registered, reachable stakeholders narrowed by each field the audience sets."""
    conditions: list[ColumnElement[bool]] = [
        Stakeholder.consented_at.is_not(None),
        Stakeholder.unreachable_since.is_(None),
    ]
    if audience.subregions:
        conditions.append(Stakeholder.subregion.in_(audience.subregions))
    if audience.categories:
        conditions.append(Stakeholder.category.in_(audience.categories))
    if audience.countries:
        conditions.append(Stakeholder.country.in_([c.upper() for c in audience.countries]))
    if audience.languages:
        conditions.append(_language_filter(audience.languages, default_language))
    if audience.reminders is not None:
        conditions.append(Stakeholder.reminders_opt_in.is_(audience.reminders))
    if audience.sessions:
        conditions.append(_participated(audience.sessions))
    return conditions


def _language_filter(languages: Sequence[str], default_language: str) -> ColumnElement[bool]:
    chosen = Stakeholder.language.in_(languages)
    if default_language in languages:  # no language yet means the pack's default
        return or_(chosen, Stakeholder.language.is_(None))
    return chosen


def _participated(sessions: Sequence[str]) -> ColumnElement[bool]:
    """Has a current answer in one of the sessions."""
    return exists().where(
        and_(
            Answer.stakeholder_id == Stakeholder.id,
            Answer.session_key.in_(sessions),
            Answer.current.is_(True),
        )
    )


async def recipients(
    session: AsyncSession, audience: Audience, default_language: str
) -> list[Recipient]:
    """Everyone the audience reaches, in a stable order."""
    rows = await session.execute(
        select(
            Stakeholder.id,
            Stakeholder.platform,
            Stakeholder.chat_id,
            Stakeholder.language,
            Stakeholder.country,
        )
        .where(*_filters(audience, default_language))
        .order_by(Stakeholder.id)
    )
    return [Recipient(*row) for row in rows]


def effective_language(language: str | None, languages: Sequence[str], default: str) -> str:
    """The language a stakeholder reads pack content in: theirs if the pack has it."""
    return language if language in languages else default


async def count_by_language(
    session: AsyncSession, audience: Audience, languages: Sequence[str], default_language: str
) -> dict[str, int]:
    """How many recipients read each language, for the preview before confirming."""
    counts: Counter[str] = Counter()
    statement = (
        select(Stakeholder.language, func.count())
        .where(*_filters(audience, default_language))
        .group_by(Stakeholder.language)
    )
    for language, number in await session.execute(statement):
        counts[effective_language(language, languages, default_language)] += number
    return dict(counts)


def text_for(texts: Mapping[str, str], language: str, default_language: str) -> str:
    """The organizer's text in this language, else in the pack's default, else any."""
    return texts.get(language) or texts.get(default_language) or next(iter(texts.values()))


async def create_broadcast(
    session: AsyncSession,
    *,
    texts: Mapping[str, str],
    audience: Audience,
    languages: Sequence[str],
    default_language: str,
    created_by: str,
    now: dt.datetime,
) -> Queued:
    """Store the broadcast, queue one message per recipient, and write the audit entry."""
    broadcast = Broadcast(
        created_by=created_by,
        texts=dict(texts),
        audience=audience.to_json(),
        status="queued",
        recipients=0,
        created_at=now,
    )
    session.add(broadcast)
    await session.flush()
    chosen = await recipients(session, audience, default_language)
    by_language: Counter[str] = Counter()
    messages = []
    for recipient in chosen:
        language = effective_language(recipient.language, languages, default_language)
        by_language[language] += 1
        messages.append(
            _message(broadcast.id, recipient, text_for(texts, language, default_language))
        )
    broadcast.recipients = await outbox.enqueue(session, messages, now)
    _audit(session, broadcast, by_language, now)
    return Queued(broadcast.id, broadcast.recipients, dict(by_language))


def _message(broadcast_id: int, recipient: Recipient, text: str) -> outbox.NewMessage:
    return outbox.message_to(
        recipient, f"broadcast:{broadcast_id}", "broadcast", text, broadcast_id=broadcast_id
    )


def _audit(
    session: AsyncSession, broadcast: Broadcast, by_language: Counter[str], now: dt.datetime
) -> None:
    """Record who sent what to how many: filters and counts only, no recipient."""
    session.add(
        AuditEntry(
            at=now,
            actor=broadcast.created_by,
            action="broadcast.create",
            detail={
                "broadcast_id": broadcast.id,
                "audience": broadcast.audience,
                "languages": sorted(broadcast.texts),
                "recipients": broadcast.recipients,
                "recipients_by_language": dict(sorted(by_language.items())),
            },
        )
    )


@dataclass(frozen=True)
class BroadcastStatus:
    """One broadcast and where its messages are: queued, sent, failed, unreachable."""

    id: int
    created_by: str
    created_at: dt.datetime
    audience: dict[str, Any]
    languages: list[str]
    recipients: int
    counts: dict[str, int]


async def recent_broadcasts(session: AsyncSession, limit: int = 10) -> list[BroadcastStatus]:
    """The latest broadcasts, newest first, with queued / sent / failed / unreachable counts."""
    rows = list(await session.scalars(select(Broadcast).order_by(Broadcast.id.desc()).limit(limit)))
    return await with_counts(session, rows)


async def with_counts(session: AsyncSession, rows: Sequence[Any]) -> list[BroadcastStatus]:
    """Broadcast rows (or rows with their columns) with their messages counted, in one query."""
    counts = await outbox.counts_by_broadcast(session, [row.id for row in rows])
    return [
        BroadcastStatus(
            id=row.id,
            created_by=row.created_by,
            created_at=row.created_at,
            audience=dict(row.audience or {}),
            languages=sorted(row.texts or {}),
            recipients=row.recipients,
            counts=counts.get(row.id, outbox.empty_counts()),
        )
        for row in rows
    ]
