"""Outcomes of a send that the outbox acts on, raised by transports in platform-neutral terms."""

from __future__ import annotations


class DeliveryError(Exception):
    """The platform did not take the message."""


class RateLimited(DeliveryError):
    """Slow down: the platform asked to wait `retry_after` seconds (Telegram 429, Slack 429)."""

    def __init__(self, retry_after: float, detail: str = "") -> None:
        super().__init__(detail or f"rate limited, retry after {retry_after}s")
        self.retry_after = retry_after


class Unreachable(DeliveryError):
    """The user blocked the bot or the account is gone (Telegram 403, Slack account_inactive)."""


class TransientFailure(DeliveryError):
    """Worth retrying later: a 5xx, a timeout, a dropped connection."""


class PermanentFailure(DeliveryError):
    """Retrying will not help: a 400 such as a malformed message."""


class OutsideWindow(DeliveryError):
    """The platform takes only a pre-approved template for this person now (WhatsApp 131047)."""


class NoTemplate(DeliveryError):
    """Outside the platform's free-form window, and no template exists in the person's language."""
