"""The dashboard as one Starlette app, mounted at /dashboard on the bot's single ASGI app."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot.core.settings import Settings
from bot.dashboard.context import Dashboard
from bot.pack import Pack
from storage.db import Database

STATIC = Path(__file__).parent / "static"
MOUNT = "/dashboard"

# Pages need nothing from elsewhere: no script at all, styles and images from this app only.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # Never tell another site a page's address (the login link holds a token); same-origin
    # rather than no-referrer, because with no-referrer Chromium posts forms with `Origin: null`.
    "Referrer-Policy": "same-origin",
}


TOKEN_IN_QUERY = re.compile(r"([?&]token=)[^&\s]*")


class HideLoginTokens(logging.Filter):
    """Keep sign-in links out of the access log: a logged link could be used by its reader.

    uvicorn logs each request as (client, method, path with query, version, status).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) > 2 and isinstance(args[2], str):
            record.args = (*args[:2], TOKEN_IN_QUERY.sub(r"\1[hidden]", args[2]), *args[3:])
        return True


def hide_login_tokens(logger: logging.Logger) -> None:
    if not any(isinstance(existing, HideLoginTokens) for existing in logger.filters):
        logger.addFilter(HideLoginTokens())


class SecurityHeaders(BaseHTTPMiddleware):
    """Add the headers above; pages (not the stylesheet) are never cached."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        if not request.url.path.startswith(f"{request.scope.get('root_path', '')}/static/"):
            response.headers["Cache-Control"] = "no-store"
        return response


def build_dashboard(
    database: Database,
    pack: Pack,
    settings: Settings,
    clock: Callable[[], dt.datetime] | None = None,
) -> Starlette:
    """The dashboard's routes over the bot's database and pack."""
    from bot.dashboard import downloads, figures, lists, login

    routes = [
        Route("/", figures.overview),
        Route("/sessions", figures.sessions),
        Route("/answers", lists.answers),
        Route("/objectives", figures.objectives),
        Route("/pledges", lists.pledges),
        Route("/broadcasts", lists.broadcasts),
        Route("/download", downloads.download, methods=["POST"]),
        Route("/login", login.login_page, methods=["GET"]),
        Route("/login", login.login, methods=["POST"]),
        Route("/logout", login.logout, methods=["POST"]),
        Route("/language", login.choose_language, methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(SecurityHeaders)])
    app.state.dashboard = Dashboard(
        database, pack, settings, clock or (lambda: dt.datetime.now(dt.UTC))
    )
    return app


def dashboard_mount(database: Database, pack: Pack, settings: Settings) -> Mount:
    """What `consultbot run` adds to the one ASGI app when DASHBOARD_URL is set."""
    hide_login_tokens(logging.getLogger("uvicorn.access"))
    return Mount(MOUNT, app=build_dashboard(database, pack, settings))
