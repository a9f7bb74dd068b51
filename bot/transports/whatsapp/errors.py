"""WhatsApp Cloud API error codes, translated into the outcomes the outbox acts on.

Codes from Meta's error code reference (checked 2026-12). The same code can come back at once,
in the HTTP answer to a send, or later in a `failed` status webhook: both go through here.
"""

from __future__ import annotations

from bot.core.delivery import (
    DeliveryError,
    OutsideWindow,
    PermanentFailure,
    RateLimited,
    TransientFailure,
    Unreachable,
)

# Throughput limits and blocks of our number: every further send would fail the same way, so
# the whole platform waits (seconds) rather than burn through the queue.
PAUSES = {
    130429: 5.0,  # Cloud API throughput reached (80 messages/s by default)
    4: 60.0,  # the app made too many API calls
    80007: 60.0,  # the WhatsApp Business Account reached its rate limit
    131048: 600.0,  # spam rate limit: too many of our messages were blocked or reported
    368: 3600.0,  # temporarily blocked for policy violations
    131031: 3600.0,  # business account locked
}
PAIR_RATE_LIMIT = 131056  # too many messages to this one person in a short time
RE_ENGAGEMENT = 131047  # more than 24 hours since the person's last message
# The person cannot get our messages: not on WhatsApp, blocked us, old app, terms not accepted
# (131026, which Meta does not break down), or stopped our marketing messages (131050).
UNREACHABLE = frozenset({131026, 131050})
TRANSIENT = frozenset({1, 2, 131000, 131016, 133004})  # unknown, service down, try again


def delivery_error(
    code: int | None, detail: str, *, status: int | None = None, transient: bool | None = None
) -> DeliveryError:
    """A Cloud API error (its code, HTTP status and `is_transient` flag) in the outbox's terms."""
    message = f"whatsapp {code}: {detail}" if code is not None else f"whatsapp: {detail}"
    if code in PAUSES:
        return RateLimited(PAUSES[code], message)
    if code == RE_ENGAGEMENT:
        return OutsideWindow(message)
    if code in UNREACHABLE:
        return Unreachable(message)
    if code == PAIR_RATE_LIMIT or code in TRANSIENT or transient:
        return TransientFailure(message)
    if status is not None and status >= 500:
        return TransientFailure(message)
    return PermanentFailure(message)  # a malformed message, a missing template, a bad token
