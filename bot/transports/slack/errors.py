"""Slack's refusals, translated into the platform-neutral outcomes the outbox acts on."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.core.delivery import (
    DeliveryError,
    PermanentFailure,
    RateLimited,
    TransientFailure,
    Unreachable,
)

# The person cannot be written to any more (deactivated, gone, DM closed) (2026-11).
UNREACHABLE_ERRORS = frozenset(
    {
        "account_inactive",
        "user_not_found",
        "user_disabled",
        "channel_not_found",
        "is_archived",
        "cannot_dm_bot",
        "not_in_channel",
        "user_is_restricted",
    }
)
# Slack's own names for trouble on its side, sent with HTTP 200 (2026-11).
TRANSIENT_ERRORS = frozenset(
    {"internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited"}
)
DEFAULT_RETRY_AFTER = 1.0


def retry_after(headers: Mapping[str, Any] | None) -> float:
    """Read Retry-After whatever the header's case; Slack sends whole seconds."""
    for name, value in (headers or {}).items():
        if name.lower() == "retry-after":
            try:
                return max(float(value), 0.0)
            except (TypeError, ValueError):
                break
    return DEFAULT_RETRY_AFTER


def delivery_error(error: SlackApiError) -> DeliveryError:
    """429 waits, a gone account is unreachable, 5xx retries, any other refusal is final."""
    response = error.response
    status = getattr(response, "status_code", 200)
    data = getattr(response, "data", None)
    code = str(data.get("error", "")) if isinstance(data, Mapping) else ""
    detail = f"slack: {code or status}"
    if status == 429:
        return RateLimited(retry_after(getattr(response, "headers", None)), detail)
    if code in UNREACHABLE_ERRORS:
        return Unreachable(detail)
    if status >= 500 or code in TRANSIENT_ERRORS:
        return TransientFailure(detail)
    return PermanentFailure(detail)
