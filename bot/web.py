"""The one ASGI app: probes, metrics, plus the routes each HTTP-served transport contributes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.observability import probes

if TYPE_CHECKING:
    from storage.db import Database


# The largest request body any route reads. Platforms send a few kilobytes (an update, an event,
# a notification); a bigger body is refused before it is read whole.
MAX_BODY = 1024 * 1024


class BodyLimit:
    """Read a request's body up to MAX_BODY, or answer 413; the app then reads it from memory."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length", b"0")
        if not declared.isdigit() or int(declared) > self.limit:
            await PlainTextResponse("request body too large", 413)(scope, receive, send)
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if len(body) > self.limit:
                await PlainTextResponse("request body too large", 413)(scope, receive, send)
                return
            if not message.get("more_body"):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()  # after the body: a disconnect, when it comes
            replayed = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        await self.app(scope, replay, send)


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
    return Starlette(routes=[*probes_routes, *routes], middleware=[Middleware(BodyLimit)])
