"""The dashboard's session rules and the CSRF token of a session.

The CSRF token is an HMAC of the session's token: a page can show it, only the holder of the
cookie can compute it, and nothing more is stored. Links and token hashes are in
storage.web_sessions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

SESSION_TTL = dt.timedelta(hours=8)
IDLE_TTL = dt.timedelta(hours=1)
TOUCH_EVERY = dt.timedelta(minutes=1)  # how stale last_seen_at may get before a write


def csrf_token(session_token: str) -> str:
    return hmac.new(session_token.encode(), b"dashboard-csrf", hashlib.sha256).hexdigest()


def same_secret(given: str | None, expected: str) -> bool:
    """Compare in constant time; a missing value never matches."""
    return bool(given) and hmac.compare_digest(str(given), expected)
