"""Who may see a page: the session cookie, then the role, checked again on every request.

A session whose member lost both roles is revoked on the spot, with every other session of that
member. Refusals are values, not exceptions, so the transaction that revoked still commits; the
caller audits and answers them (`bot.dashboard.respond.refuse`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.requests import Request

from bot.dashboard.context import COOKIE, Dashboard, Visitor
from bot.dashboard.filters import form_text
from bot.dashboard.tokens import IDLE_TTL, TOUCH_EVERY, csrf_token, same_secret
from storage.roles import roles_from_settings, stored_roles
from storage.stakeholders import find_stakeholder
from storage.web_sessions import Member, digest, live_session, revoke_sessions


@dataclass(frozen=True)
class Refusal:
    """Why a request was turned away; `reason` goes to the audit log, `status` to the browser."""

    reason: str
    status: int
    member: Member | None = None
    ended: bool = False  # the session is over: clear the cookie


async def member_roles(session: AsyncSession, dash: Dashboard, member: Member) -> frozenset[str]:
    """The roles the settings and the roles table give a member right now."""
    settings = dash.settings
    configured = roles_from_settings(
        settings.organizers, settings.rapporteurs, member.platform, member.user_id
    )
    return frozenset(configured | await stored_roles(session, member.platform, member.user_id))


async def language_for(
    session: AsyncSession, dash: Dashboard, member: Member, chosen: str | None
) -> str:
    """The switcher's choice, else the member's language in chat, else the pack's default."""
    languages = dash.pack.languages
    if chosen in languages:
        return chosen
    stakeholder = await find_stakeholder(session, member.platform, member.user_id)
    if stakeholder is not None and stakeholder.language in languages:
        return stakeholder.language
    return dash.pack.default_language


async def check_visitor(
    request: Request, dash: Dashboard, session: AsyncSession, allowed: frozenset[str]
) -> Visitor | Refusal:
    """The signed-in visitor if their session is live and a role of theirs opens this page."""
    token = request.cookies.get(COOKIE)
    if not token:
        return Refusal("no_session", 401)
    now = dash.now()
    row = await live_session(session, digest(token), now, IDLE_TTL)
    if row is None:
        return Refusal("session_ended", 401, ended=True)
    member = Member(row.platform, row.user_id)
    roles = await member_roles(session, dash, member)
    if not roles:
        await revoke_sessions(session, member, now)
        return Refusal("role_revoked", 403, member, ended=True)
    if allowed and not roles & allowed:
        return Refusal("page_forbidden", 403, member)
    if now - row.last_seen_at > TOUCH_EVERY:
        row.last_seen_at = now
    language = await language_for(session, dash, member, row.language)
    return Visitor(member, roles, language, csrf_token(token), row.id)


def cross_site(request: Request, dash: Dashboard) -> bool:
    """A POST that a browser says came from another site (Origin, Sec-Fetch-Site headers)."""
    origin = request.headers.get("origin")
    fetch_site = request.headers.get("sec-fetch-site")
    return (origin is not None and origin != dash.origin) or fetch_site not in (
        None,
        "same-origin",
        "none",
    )


def form_refusal(
    request: Request, dash: Dashboard, form: FormData, expected: str, member: Member | None
) -> Refusal | None:
    """Refuse a form posted from another site or without this session's CSRF token."""
    if cross_site(request, dash) or not same_secret(form_text(form, "csrf"), expected):
        return Refusal("csrf", 403, member)
    return None
