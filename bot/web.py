"""The one ASGI app: probes, metrics, plus the routes each HTTP-served transport contributes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot.observability import probes

if TYPE_CHECKING:
    from storage.db import Database


async def healthz(_request: Request) -> PlainTextResponse:
    """Alive: the process serves HTTP (restart it when this fails)."""
    return PlainTextResponse("ok")


def build_web_app(routes: Sequence[BaseRoute], database: Database | None = None) -> Starlette:
    """Telegram adds `/telegram/webhook`, Slack adds `/slack/events`; all share one server."""

    async def readyz(_request: Request) -> PlainTextResponse:
        """Ready: the database answers and its migrations are current (route traffic here)."""
        if database is None:
            return PlainTextResponse("no database configured", status_code=503)
        state = await probes.readiness(database)
        return PlainTextResponse(state.detail, status_code=200 if state.ready else 503)

    async def metrics(request: Request) -> Response:
        body, content_type = await probes.metrics(database, request.headers.get("accept", ""))
        return Response(body, media_type=content_type)

    probes_routes = [
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/metrics", metrics),
    ]
    return Starlette(routes=[*probes_routes, *routes])
