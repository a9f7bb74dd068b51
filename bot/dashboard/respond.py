"""Guarded endpoints and refusals: every page checks its visitor, every refusal is audited."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from bot.dashboard.context import COOKIE, Dashboard, Visitor
from bot.dashboard.guard import Refusal, check_visitor, form_refusal
from bot.dashboard.render import render
from storage.stakeholders import audit

View = Callable[[Request, Dashboard, Visitor], Awaitable[Response]]
FormView = Callable[[Request, Dashboard, Visitor, FormData], Awaitable[Response]]


def dashboard_of(request: Request) -> Dashboard:
    dash: Dashboard = request.app.state.dashboard
    return dash


def guarded(roles: frozenset[str]) -> Callable[[View], Callable[[Request], Awaitable[Response]]]:
    """Run the view only for a signed-in visitor holding one of `roles`, checked now."""

    def wrap(view: View) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            dash = dashboard_of(request)
            async with dash.database.transaction() as session:
                outcome = await check_visitor(request, dash, session, roles)
            if isinstance(outcome, Refusal):
                return await refuse(request, dash, outcome)
            return await view(request, dash, outcome)

        endpoint.__name__ = view.__name__
        return endpoint

    return wrap


def guarded_form(
    roles: frozenset[str],
) -> Callable[[FormView], Callable[[Request], Awaitable[Response]]]:
    """As `guarded`, for a POST: the form must carry this session's CSRF token, from this site."""

    def wrap(view: FormView) -> Callable[[Request], Awaitable[Response]]:
        async def checked(request: Request, dash: Dashboard, visitor: Visitor) -> Response:
            form = await request.form(max_files=0, max_fields=200)
            refusal = form_refusal(request, dash, form, visitor.csrf, visitor.member)
            if refusal is not None:
                return await refuse(request, dash, refusal)
            return await view(request, dash, visitor, form)

        checked.__name__ = view.__name__
        return guarded(roles)(checked)

    return wrap


async def refuse(request: Request, dash: Dashboard, refusal: Refusal) -> Response:
    """Audit the refusal (reason and path, no personal data) and say what to do next."""
    actor = str(refusal.member) if refusal.member else "anonymous"
    detail = {"reason": refusal.reason, "path": request.url.path}
    async with dash.database.transaction() as session:
        await audit(session, actor, "dashboard.refused", detail)
    response = render(request, dash, "refused.html", status=refusal.status, reason=refusal.reason)
    if refusal.ended:
        clear_session_cookie(response, dash)
    return response


def set_session_cookie(response: Response, dash: Dashboard, token: str, max_age: int) -> None:
    response.set_cookie(
        COOKIE,
        token,
        max_age=max_age,
        path=dash.base,
        secure=dash.secure,
        httponly=True,
        samesite="lax",
    )


def clear_session_cookie(response: Response, dash: Dashboard) -> None:
    response.delete_cookie(COOKIE, path=dash.base, secure=dash.secure, httponly=True)
