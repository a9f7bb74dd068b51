"""PTB's requests over aiohttp: what the Bot API answers, and failures as PTB's errors."""

from __future__ import annotations

import asyncio
import socket

import pytest
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.transports.telegram.aiohttp_request import AiohttpRequest
from tests.fakes.telegram_api import FakeTelegram


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_a_call_reaches_the_bot_api_as_form_fields() -> None:
    """sendMessage's parameters arrive as Telegram reads them; the answer is status and body."""
    with FakeTelegram() as api:
        request = AiohttpRequest()
        await request.initialize()
        fields = [RequestParameter.from_input(k, v) for k, v in (("chat_id", 5), ("text", "hola"))]
        data = RequestData(fields)
        status, body = await request.do_request(
            f"{api.base_url}{api.token}/sendMessage", "POST", data
        )
        await request.shutdown()
    assert status == 200 and b'"ok":true' in body.replace(b" ", b"")
    assert api.texts_to(5) == ["hola"]


async def test_a_refused_connection_is_a_network_error() -> None:
    """Nothing listening: NetworkError, which the transport treats as worth retrying."""
    request = AiohttpRequest(connect_timeout=2)
    await request.initialize()
    with pytest.raises(NetworkError, match="aiohttp"):
        await request.do_request(f"http://127.0.0.1:{closed_port()}/bot1:x/getMe", "POST")
    await request.shutdown()


async def test_a_silent_server_times_out() -> None:
    """A server that never answers: TimedOut after the read timeout, not a hang."""

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(5)
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    request = AiohttpRequest(read_timeout=0.3)
    await request.initialize()
    with pytest.raises(TimedOut):
        await request.do_request(f"http://127.0.0.1:{port}/bot1:x/getMe", "POST")
    await request.shutdown()
    server.close()


async def test_using_it_before_initialize_is_an_error() -> None:
    """Like PTB's own request classes, it must be initialised first."""
    with pytest.raises(RuntimeError, match="not initialized"):
        await AiohttpRequest().do_request("http://127.0.0.1:1/", "POST")
