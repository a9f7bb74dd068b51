"""What a transport learns after the fact, written down: when a stakeholder last wrote, and what
became of an outbox message the platform reported on (delivered, read, failed).

Transports never open the database; one that needs these facts (WhatsApp) is handed a ledger.
"""

from __future__ import annotations

import datetime as dt
import logging

from bot.core.delivery import (
    DeliveryError,
    OutsideWindow,
    RateLimited,
    TransientFailure,
    Unreachable,
)
from bot.outbox.sender import SenderPolicy
from storage import receipts
from storage.db import Database

log = logging.getLogger(__name__)
RETRY_AFTER_REPORT = dt.timedelta(minutes=5)  # a passing failure reported late: try again then


class DeliveryLedger:
    """Records inbound times and delivery reports, each in a transaction of its own."""

    def __init__(self, database: Database, policy: SenderPolicy | None = None) -> None:
        self.database = database
        self.max_attempts = (policy or SenderPolicy()).max_attempts  # then a failure is final

    async def inbound(self, platform: str, user_id: str, at: dt.datetime) -> str | None:
        """Note that the stakeholder wrote at `at`; return their language, if they have one."""
        async with self.database.transaction() as session:
            return await receipts.record_inbound(session, platform, user_id, at)

    async def delivered(self, key: str, receipt: str, at: dt.datetime) -> bool:
        """The platform delivered (or showed as read) the outbox message named `key`."""
        async with self.database.transaction() as session:
            return await receipts.record_receipt(session, key, receipt, at)

    async def failed(self, key: str, error: DeliveryError, at: dt.datetime) -> bool:
        """The platform gave up on a message it had taken; act as on a refusal at send time
        (a passing failure is retried later, within the sender's attempts)."""
        async with self.database.transaction() as session:
            if isinstance(error, OutsideWindow):
                return await receipts.record_window_closed(session, key, at)
            if isinstance(error, Unreachable):
                return await receipts.record_unreachable(session, key, at)
            if isinstance(error, TransientFailure | RateLimited):
                wait = RETRY_AFTER_REPORT
                if isinstance(error, RateLimited):
                    wait = max(wait, dt.timedelta(seconds=error.retry_after))
                return await receipts.record_retry(
                    session, key, str(error), at, at + wait, self.max_attempts
                )
            return await receipts.record_failed(session, key, str(error), at)
