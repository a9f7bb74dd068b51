"""The dashboard's one-time links and browser sessions: only hashes of their tokens are stored.

Tokens are random (`secrets`) and travel only in the link or the cookie; the database keeps
their SHA-256, so a copy of it opens nothing. `issue_link` lives here, below the handlers and
the engine, so the /dashboard flow can make a link whatever layer calls it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import DashboardLink, DashboardSession
from storage.stakeholders import audit

LINK_TTL = dt.timedelta(minutes=10)


class LinkRefusal(StrEnum):
    """Why a login link did not open a session."""

    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"


@dataclass(frozen=True)
class Member:
    """Who a link or a session belongs to: `platform:user_id`, as in ORGANIZERS."""

    platform: str
    user_id: str

    def __str__(self) -> str:
        return f"{self.platform}:{self.user_id}"


def new_token() -> str:
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    """What the database keeps of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def link_minutes() -> int:
    return int(LINK_TTL.total_seconds() // 60)


async def issue_link(
    session: AsyncSession, dashboard_url: str | None, member: Member, now: dt.datetime
) -> str | None:
    """Store a new one-time link for `member` and return it; None when there is no dashboard."""
    if not dashboard_url:
        return None
    token = new_token()
    await add_link(session, digest(token), member, now, LINK_TTL)
    await audit(session, str(member), "dashboard.link", {"expires_minutes": link_minutes()})
    return f"{dashboard_url}/login?token={token}"


async def add_link(
    session: AsyncSession, token_hash: str, member: Member, now: dt.datetime, ttl: dt.timedelta
) -> None:
    session.add(
        DashboardLink(
            token_hash=token_hash,
            platform=member.platform,
            user_id=member.user_id,
            created_at=now,
            expires_at=now + ttl,
        )
    )
    await session.flush()


async def use_link(
    session: AsyncSession, token_hash: str, now: dt.datetime
) -> Member | LinkRefusal:
    """Mark a link used, once: of two concurrent uses only one UPDATE matches the row."""
    claimed = await session.execute(
        update(DashboardLink)
        .where(
            DashboardLink.token_hash == token_hash,
            DashboardLink.used_at.is_(None),
            DashboardLink.expires_at > now,
        )
        .values(used_at=now)
        .returning(DashboardLink.platform, DashboardLink.user_id)
    )
    row = claimed.first()
    if row is not None:
        return Member(row.platform, row.user_id)
    return await link_state(session, token_hash, now) or LinkRefusal.USED  # used in between


async def link_state(
    session: AsyncSession, token_hash: str, now: dt.datetime
) -> LinkRefusal | None:
    """Why the link would not open a session, or None while it would (nothing is changed)."""
    link = await session.scalar(select(DashboardLink).where(DashboardLink.token_hash == token_hash))
    if link is None:
        return LinkRefusal.UNKNOWN
    if link.used_at is not None:
        return LinkRefusal.USED
    if link.expires_at <= now:
        return LinkRefusal.EXPIRED
    return None


async def add_session(
    session: AsyncSession, token_hash: str, member: Member, now: dt.datetime, ttl: dt.timedelta
) -> DashboardSession:
    row = DashboardSession(
        token_hash=token_hash,
        platform=member.platform,
        user_id=member.user_id,
        created_at=now,
        expires_at=now + ttl,
        last_seen_at=now,
    )
    session.add(row)
    await session.flush()
    return row


async def live_session(
    session: AsyncSession, token_hash: str, now: dt.datetime, idle: dt.timedelta
) -> DashboardSession | None:
    """The session of this cookie if it is neither revoked, expired nor idle too long."""
    return await session.scalar(
        select(DashboardSession).where(
            DashboardSession.token_hash == token_hash,
            DashboardSession.revoked_at.is_(None),
            DashboardSession.expires_at > now,
            DashboardSession.last_seen_at > now - idle,
        )
    )


async def revoke_sessions(session: AsyncSession, member: Member, now: dt.datetime) -> int:
    """End every open session of a member (their role is gone, or they signed out)."""
    result = await session.execute(
        update(DashboardSession)
        .where(
            DashboardSession.platform == member.platform,
            DashboardSession.user_id == member.user_id,
            DashboardSession.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    return int(result.rowcount or 0)


async def revoke_session(session: AsyncSession, session_id: int, now: dt.datetime) -> None:
    await session.execute(
        update(DashboardSession)
        .where(DashboardSession.id == session_id, DashboardSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )


async def set_language(session: AsyncSession, session_id: int, language: str) -> None:
    await session.execute(
        update(DashboardSession).where(DashboardSession.id == session_id).values(language=language)
    )
