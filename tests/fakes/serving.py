"""The lifecycle every fake API shares: aiohttp on a random loopback port, in a thread of its own.

The tests that use a fake run their own event loop (or none), so each fake keeps its server
in a loop and thread of its own and is driven from the test's thread.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from typing import Self

from aiohttp import web


def free_port() -> int:
    """A loopback port free now, for a server a test starts (another process, often)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Served:
    """Start, stop and `with` for a fake; subclasses add their routes and their own state."""

    thread_name = "fake-api"
    client_max_size = 60 * 1024 * 1024  # bytes of a request body (uploads)

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Self:
        """Serve on a random loopback port from a thread of its own."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        ready = threading.Event()
        self._thread = threading.Thread(
            target=self._serve, args=(sock, ready), name=self.thread_name, daemon=True
        )
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError(f"{self.thread_name} did not start")
        return self

    def stop(self) -> None:
        """Stop serving (a second call does nothing): an API that is gone."""
        self._stopping()
        loop = self._loop
        if loop is not None and self._runner is not None and not loop.is_closed():
            asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(10)
            loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(10)
        self._runner = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def routes(self, app: web.Application) -> None:
        """Add the fake's endpoints."""
        raise NotImplementedError

    def _stopping(self) -> None:
        """Called from the test's thread before the server goes: let waiters go."""

    async def _started(self) -> None:
        """Called in the server's loop once it listens: start background work."""

    async def _shutdown(self) -> None:
        assert self._runner is not None
        await self._runner.cleanup()

    def _serve(self, sock: socket.socket, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        loop.run_until_complete(self._start_site(sock))
        ready.set()
        try:
            loop.run_forever()
        finally:
            loop.close()

    async def _start_site(self, sock: socket.socket) -> None:
        app = web.Application(client_max_size=self.client_max_size)
        self.routes(app)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1)
        await self._runner.setup()
        await web.SockSite(self._runner, sock).start()
        await self._started()
