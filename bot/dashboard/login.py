"""Signing in with the link from chat, signing out, and choosing the page language.

Opening the link (GET) only shows a button; pressing it (POST) uses the link. Chat apps fetch
links to draw previews, and a GET that used the link would spend it before its owner clicks.
"""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.dashboard.context import LOGIN_COOKIE, Dashboard, Visitor
from bot.dashboard.filters import form_text
from bot.dashboard.guard import Refusal, cross_site, member_roles
from bot.dashboard.render import EVERYONE, render
from bot.dashboard.respond import (
    clear_session_cookie,
    dashboard_of,
    guarded_form,
    refuse,
    set_session_cookie,
)
from bot.dashboard.tokens import SESSION_TTL, same_secret
from storage.stakeholders import audit
from storage.web_sessions import (
    LINK_TTL,
    LinkRefusal,
    Member,
    add_session,
    digest,
    link_state,
    new_token,
    revoke_session,
    set_language,
    use_link,
)

MAX_TOKEN = 128


def _token(value: object) -> str | None:
    return value if isinstance(value, str) and 0 < len(value) <= MAX_TOKEN else None


async def login_page(request: Request) -> Response:
    """GET: a button that signs in, if the link can still be used; nothing is spent yet."""
    dash = dashboard_of(request)
    token = _token(request.query_params.get("token"))
    async with dash.database.transaction() as session:
        state = (
            LinkRefusal.UNKNOWN
            if token is None
            else await link_state(session, digest(token), dash.now())
        )
    if state is not None:
        return await refuse(request, dash, Refusal(f"link_{state}", 403))
    form_secret = new_token()
    response = render(request, dash, "login.html", token=token, login_csrf=form_secret)
    response.set_cookie(
        LOGIN_COOKIE,
        form_secret,
        max_age=int(LINK_TTL.total_seconds()),
        path=dash.url("/login"),
        secure=dash.secure,
        httponly=True,
        samesite="strict",
    )
    return response


async def login(request: Request) -> Response:
    """POST: use the link once, check the role, open a session, set its cookie."""
    dash = dashboard_of(request)
    form = await request.form(max_files=0, max_fields=10)
    token = _token(form.get("token"))
    if cross_site(request, dash) or not same_secret(
        form_text(form, "login_csrf"), request.cookies.get(LOGIN_COOKIE, "")
    ):
        return await refuse(request, dash, Refusal("csrf", 403))
    if token is None:
        return await refuse(request, dash, Refusal("link_unknown", 403))
    now = dash.now()
    session_token = new_token()
    roles: frozenset[str] = frozenset()
    async with dash.database.transaction() as session:
        outcome = await use_link(session, digest(token), now)
        if isinstance(outcome, Member):
            roles = await member_roles(session, dash, outcome)
            if roles:
                await add_session(session, digest(session_token), outcome, now, SESSION_TTL)
                await audit(session, str(outcome), "dashboard.login", {"roles": sorted(roles)})
    if isinstance(outcome, LinkRefusal):
        return await refuse(request, dash, Refusal(f"link_{outcome}", 403))
    if not roles:
        return await refuse(request, dash, Refusal("no_role", 403, outcome))
    response = RedirectResponse(dash.url("/"), status_code=303)
    set_session_cookie(response, dash, session_token, int(SESSION_TTL.total_seconds()))
    response.delete_cookie(LOGIN_COOKIE, path=dash.url("/login"))
    return response


@guarded_form(EVERYONE)
async def logout(request: Request, dash: Dashboard, visitor: Visitor, form: FormData) -> Response:
    """End this browser's session; the cookie goes with it."""
    async with dash.database.transaction() as session:
        await revoke_session(session, visitor.session_id, dash.now())
        await audit(session, visitor.actor, "dashboard.logout", {})
    response = render(request, dash, "signed_out.html")
    clear_session_cookie(response, dash)
    return response


@guarded_form(EVERYONE)
async def choose_language(
    request: Request, dash: Dashboard, visitor: Visitor, form: FormData
) -> Response:
    """Keep the chosen language on the session and go back to the page it was chosen on."""
    language = form_text(form, "language")
    if language not in dash.pack.languages:
        return render(request, dash, "error.html", visitor=visitor, status=400, error="language")
    async with dash.database.transaction() as session:
        await set_language(session, visitor.session_id, language)
    return RedirectResponse(_back(dash, form_text(form, "next")), status_code=303)


def _back(dash: Dashboard, target: str | None) -> str:
    """Only a path of this dashboard: never another site (an open redirect)."""
    if target and target.startswith(dash.base + "/") and "//" not in target and "\\" not in target:
        return target
    return dash.url("/")
