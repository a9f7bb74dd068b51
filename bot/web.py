"""The one ASGI app: `/healthz`, plus the routes each HTTP-served transport contributes."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import BaseRoute, Route


async def healthz(_request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


def build_web_app(routes: Sequence[BaseRoute]) -> Starlette:
    """Telegram adds `/telegram/webhook`, Slack adds `/slack/events`; both share one server."""
    return Starlette(routes=[Route("/healthz", healthz), *routes])
