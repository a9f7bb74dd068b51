"""The dashboard's secrets: one-time login links, session tokens and the CSRF token of a session.

Tokens are random (`secrets`), travel only in the link or the cookie, and are stored as SHA-256
hashes, so a copy of the database opens nothing. The CSRF token is an HMAC of the session token:
a page can show it, only the holder of the cookie can compute it, and nothing more is stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.settings import Settings
from storage.stakeholders import audit
from storage.web_sessions import Member, add_link

LINK_TTL = dt.timedelta(minutes=10)
SESSION_TTL = dt.timedelta(hours=8)
IDLE_TTL = dt.timedelta(hours=1)
TOUCH_EVERY = dt.timedelta(minutes=1)  # how stale last_seen_at may get before a write
LOGIN_PATH = "/login"


def new_token() -> str:
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    """What the database keeps of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_token(session_token: str) -> str:
    return hmac.new(session_token.encode(), b"dashboard-csrf", hashlib.sha256).hexdigest()


def same_secret(given: str | None, expected: str) -> bool:
    """Compare in constant time; a missing value never matches."""
    return bool(given) and hmac.compare_digest(str(given), expected)


def login_url(settings: Settings, token: str) -> str:
    return f"{settings.dashboard_url}{LOGIN_PATH}?token={token}"


async def issue_link(
    session: AsyncSession, settings: Settings, member: Member, now: dt.datetime
) -> str | None:
    """Store a new one-time link for `member` and return its URL; None without DASHBOARD_URL."""
    if not settings.dashboard_url:
        return None
    token = new_token()
    await add_link(session, digest(token), member, now, LINK_TTL)
    await audit(session, str(member), "dashboard.link", {"expires_minutes": link_minutes()})
    return login_url(settings, token)


def link_minutes() -> int:
    return int(LINK_TTL.total_seconds() // 60)
