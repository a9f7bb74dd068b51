"""What platforms report after a send, and when each stakeholder last wrote.

WhatsApp takes a message and tells later, by webhook, whether it was delivered, read or failed;
and it takes free-form messages only within 24 hours of the stakeholder's latest message. Both
facts land here, against the outbox row (found by its key) and the stakeholder row.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import outbox
from storage.models import OutboxMessage
from storage.stakeholders import find_stakeholder


async def record_inbound(
    session: AsyncSession, platform: str, user_id: str, at: dt.datetime
) -> str | None:
    """Note the stakeholder's latest message (someone who writes is reachable); their language."""
    stakeholder = await find_stakeholder(session, platform, user_id)
    if stakeholder is None:
        return None
    if stakeholder.last_inbound_at is None or stakeholder.last_inbound_at < at:
        stakeholder.last_inbound_at = at
    stakeholder.unreachable_since = None
    return stakeholder.language


def _sent(key: str):  # type: ignore[no-untyped-def]  # a SQL clause
    """A message already handed to the platform: only those can change on its report."""
    return update(OutboxMessage).where(
        OutboxMessage.key == key, OutboxMessage.status == outbox.SENT
    )


async def record_receipt(session: AsyncSession, key: str, receipt: str, at: dt.datetime) -> bool:
    """Move a sent message on to delivered or read; a late, lesser report changes nothing."""
    if receipt not in outbox.RECEIPTS:
        return False
    lesser = outbox.RECEIPTS[: outbox.RECEIPTS.index(receipt)]
    result = await session.execute(
        _sent(key)
        .where(or_(OutboxMessage.receipt.is_(None), OutboxMessage.receipt.in_(lesser)))
        .values(receipt=receipt, receipt_at=at)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)


async def record_failed(session: AsyncSession, key: str, error: str, at: dt.datetime) -> bool:
    """The platform took the message and then could not deliver it."""
    result = await session.execute(
        _sent(key)
        .values(status=outbox.FAILED, last_error=error[:2000], receipt="failed", receipt_at=at)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)


async def record_retry(
    session: AsyncSession,
    key: str,
    error: str,
    at: dt.datetime,
    not_before: dt.datetime,
    max_attempts: int,
) -> bool:
    """The platform took the message and then failed for a passing reason: send it again at
    `not_before`, unless it used its attempts (then it failed for good)."""
    result = await session.execute(
        _sent(key)
        .where(OutboxMessage.attempts < max_attempts)
        .values(
            status=outbox.QUEUED,
            not_before=not_before,
            last_error=error[:2000],
            receipt="failed",
            receipt_at=at,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount:
        return True
    return await record_failed(session, key, error, at)


async def record_unreachable(session: AsyncSession, key: str, at: dt.datetime) -> bool:
    """The person cannot get messages from us: flag them, as a refusal at send time does."""
    stakeholder_id = await session.scalar(
        _sent(key)
        .values(
            status=outbox.UNREACHABLE, last_error="unreachable", receipt="failed", receipt_at=at
        )
        .returning(OutboxMessage.stakeholder_id)
        .execution_options(synchronize_session=False)
    )
    if stakeholder_id is None:
        return False
    await outbox.stakeholder_unreachable(session, stakeholder_id, at)
    return True


async def record_window_closed(session: AsyncSession, key: str, at: dt.datetime) -> bool:
    """A free-form message arrived outside the window: queue it again, to go as a template."""
    row = (
        await session.execute(
            _sent(key)
            .values(status=outbox.QUEUED, not_before=at, last_error="window closed")
            .returning(OutboxMessage.stakeholder_id, OutboxMessage.sent_at)
            .execution_options(synchronize_session=False)
        )
    ).first()
    if row is None:
        return False
    stakeholder_id, sent_at = row
    await outbox.close_window(session, stakeholder_id, sent_at or at)
    return True
