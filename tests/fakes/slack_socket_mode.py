"""Slack's Socket Mode end: a WebSocket on loopback that sends envelopes and collects acks."""

from __future__ import annotations

import asyncio
import json
import uuid

from aiohttp import WSMsgType, web

from tests.fakes.slack_api import FakeSlackApi, Json


class FakeSocketMode:
    """Slack's Socket Mode end: a WebSocket on loopback that sends envelopes and collects acks.

    Runs in the test's event loop (aiohttp); `api.socket_mode_url` points the app at it.
    """

    def __init__(self, api: FakeSlackApi) -> None:
        self.api = api
        self.acks: list[Json] = []
        self.connected = asyncio.Event()
        self._socket: web.WebSocketResponse | None = None
        self._acked = asyncio.Condition()
        self._runner: web.AppRunner | None = None

    async def __aenter__(self) -> FakeSocketMode:
        app = web.Application()
        app.router.add_get("/link", self._serve)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.api.socket_mode_url = f"ws://127.0.0.1:{port}/link?ticket=test"
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self._socket is not None:
            await self._socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _serve(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self._socket = socket
        await socket.send_json({"type": "hello", "num_connections": 1})
        self.connected.set()
        async for frame in socket:
            if frame.type == WSMsgType.TEXT:
                async with self._acked:
                    self.acks.append(json.loads(frame.data))
                    self._acked.notify_all()
        return socket

    async def send(self, kind: str, payload: Json, timeout: float = 5.0) -> Json:
        """Send one envelope (events_api, interactive, slash_commands) and wait for its ack."""
        await asyncio.wait_for(self.connected.wait(), timeout)
        envelope_id = str(uuid.uuid4())
        envelope = {
            "envelope_id": envelope_id,
            "payload": payload,
            "type": kind,
            "accepts_response_payload": kind != "events_api",
        }
        assert self._socket is not None
        await self._socket.send_json(envelope)
        async with self._acked:
            await asyncio.wait_for(
                self._acked.wait_for(lambda: self._ack_of(envelope_id) is not None), timeout
            )
        return self._ack_of(envelope_id) or {}

    def _ack_of(self, envelope_id: str) -> Json | None:
        return next((ack for ack in self.acks if ack.get("envelope_id") == envelope_id), None)
