"""A local Telegram Bot API: a real HTTP server on 127.0.0.1 that PTB (or any client) talks to.

Start it with `with FakeTelegram() as api:` (or `start()`/`stop()`); point the bot at
`api.base_url` and `api.base_file_url`. It serves `/bot<token>/<method>` and
`/file/bot<token>/<path>` from its own thread and event loop, answers in Bot API JSON, records
every call, and fails on demand with Telegram's own error bodies
(tests/fixtures/telegram/errors/, copied below). Tests push updates with `push_update`;
they are long-polled by getUpdates or, once a webhook is set, POSTed to it as Telegram does.
A call is recorded in `calls` when it is answered, so a long poll shows up when it returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from tests.fakes.serving import Served

DEFAULT_TOKEN = "123456789:AAFakeTokenForTestsOnlyxxxxxxxxxxxxx"
BOT_USER = {
    "id": 123456789,
    "is_bot": True,
    "first_name": "ConsultBot",
    "username": "consult_test_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
TEXT_LIMIT = 4096
CALLBACK_DATA_LIMIT = 64
# Form fields PTB sends JSON-encoded (everything else is recorded as the string it came as).
JSON_FIELDS = {
    "reply_markup",
    "commands",
    "scope",
    "allowed_updates",
    "entities",
    "caption_entities",
    "link_preview_options",
    "reply_parameters",
}


@dataclass(frozen=True)
class ApiError:
    """A Bot API error: the HTTP status and the body Telegram sends with it."""

    status: int
    description: str
    parameters: dict[str, Any] | None = None

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:  # the server omits `parameters` when empty (Query.h, 2026-11)
            body["parameters"] = self.parameters
        return body


def too_many_requests(retry_after: int = 9) -> ApiError:
    """errors/429_too_many_requests_retry_after.json, with its retry_after."""
    return ApiError(
        429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
    )


BOT_BLOCKED = ApiError(403, "Forbidden: bot was blocked by the user")
MESSAGE_TOO_LONG = ApiError(400, "Bad Request: message is too long")
BUTTON_DATA_INVALID = ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
CHAT_NOT_FOUND = ApiError(400, "Bad Request: chat not found")
MESSAGE_TEXT_EMPTY = ApiError(400, "Bad Request: message text is empty")
QUERY_TOO_OLD = ApiError(
    400, "Bad Request: query is too old and response timeout expired or query id is invalid"
)
BAD_GATEWAY = ApiError(502, "Bad Gateway")
WEBHOOK_CONFLICT = ApiError(
    409,
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
    "delete the webhook first",
)
NOT_FOUND = ApiError(404, "Not Found")


@dataclass(frozen=True)
class Upload:
    """A file a multipart request carried."""

    filename: str | None
    content_type: str | None
    content: bytes


@dataclass(frozen=True)
class Call:
    """One Bot API request as the fake received it."""

    method: str
    params: dict[str, Any]
    files: dict[str, Upload] = field(default_factory=dict)
    error: ApiError | None = None  # what the fake answered instead of a result
    at: float = field(default_factory=time.monotonic)

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def chat_id(self) -> str | None:
        value = self.params.get("chat_id")
        return None if value is None else str(value)


@dataclass
class _Failure:
    error: ApiError
    remaining: int  # how many more matching calls fail; -1 for all
    skip: int = 0  # matching calls to let through first


class FakeTelegram(Served):
    """The fake Bot API server: start, push updates, inspect `calls`, inject failures."""

    thread_name = "fake-telegram"

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        bot_user: dict[str, Any] | None = None,
        *,
        redeliver: bool = False,
        redelivery_delay: float = 0.05,
        webhook_connections: int = 1,
    ) -> None:
        super().__init__()
        self.token = token
        # As Telegram does: an update the webhook did not answer 2xx is delivered again later.
        self.redeliver = redeliver
        self.redelivery_delay = redelivery_delay
        self.webhook_connections = webhook_connections  # Telegram's max_connections
        self.bot_user = dict(bot_user or BOT_USER)
        self.calls: list[Call] = []
        self.webhook: dict[str, Any] | None = None  # url, secret_token, allowed_updates
        self.webhook_deliveries: list[tuple[int, int]] = []  # (update_id, HTTP status)
        # (update_id, HTTP status, start, end) on the monotonic clock of Call.at
        self.webhook_windows: list[tuple[int, int, float, float]] = []
        self.files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_path, content)
        self._pending: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._method_failures: dict[str, list[_Failure]] = {}
        self._chat_failures: dict[str, _Failure] = {}
        self._message_ids = itertools.count(1000)
        self._update_ids = itertools.count(900_000_000)
        self._file_ids = itertools.count(1)
        self._webhook_queue: asyncio.Queue[dict[str, Any]] | None = None
        self._delivery: asyncio.Task[None] | None = None
        self._arrived: asyncio.Event | None = None  # set (in the server's loop) on push_update
        self._closing = False

    # ------------------------------------------------------------------ lifecycle

    @property
    def base_url(self) -> str:
        """What PTB's `base_url` (and TELEGRAM_API_BASE_URL) takes."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    def routes(self, app: web.Application) -> None:
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)

    def _stopping(self) -> None:
        self._closing = True
        self._wake()

    async def _started(self) -> None:
        self._webhook_queue = asyncio.Queue()
        self._arrived = asyncio.Event()
        self._delivery = asyncio.get_running_loop().create_task(self._deliver_webhooks())

    async def _shutdown(self) -> None:
        if self._delivery is not None:
            self._delivery.cancel()
            await asyncio.gather(self._delivery, return_exceptions=True)
        await super()._shutdown()

    # ------------------------------------------------------------------ test controls

    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for getUpdates, or POST it to the webhook if one is set."""
        update = dict(update)
        update.setdefault("update_id", next(self._update_ids))
        if self.webhook is not None:
            assert self._loop is not None and self._webhook_queue is not None
            self._loop.call_soon_threadsafe(self._webhook_queue.put_nowait, update)
        else:
            with self._lock:
                self._pending.append(update)
            self._wake()
        return update

    def _wake(self) -> None:
        """Wake a waiting getUpdates, from whichever thread pushed."""
        if self._loop is not None and self._arrived is not None:
            self._loop.call_soon_threadsafe(self._arrived.set)

    def next_update_id(self) -> int:
        return next(self._update_ids)

    def add_file(
        self, content: bytes, file_path: str = "documents/file_0.pdf", file_id: str | None = None
    ) -> str:
        """Make a file getFile can describe and /file/bot<token>/<path> can serve."""
        file_id = file_id or f"BQACAgEAAxkBAAI{next(self._file_ids):06d}"
        self.files[file_id] = (file_path, content)
        return file_id

    def fail_next(self, method: str, error: ApiError, times: int = 1, after: int = 0) -> None:
        """Make the next `times` calls of `method` fail with `error`, once `after` went through."""
        if times < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self._method_failures.setdefault(method, []).append(_Failure(error, times, after))

    def fail_chat(self, chat_id: int | str, error: ApiError = BOT_BLOCKED) -> None:
        """Make every send to a chat fail, until `clear_chat` (a user who blocked the bot)."""
        with self._lock:
            self._chat_failures[str(chat_id)] = _Failure(error, -1)

    def clear_chat(self, chat_id: int | str) -> None:
        with self._lock:
            self._chat_failures.pop(str(chat_id), None)

    def calls_to(self, method: str, *, ok: bool | None = None) -> list[Call]:
        return [c for c in list(self.calls) if c.method == method and ok in (None, c.ok)]

    def sent_to(self, chat_id: int | str) -> list[Call]:
        """Messages and documents the chat actually received, in order."""
        return [
            c
            for c in list(self.calls)
            if c.ok and c.method in {"sendMessage", "sendDocument"} and c.chat_id == str(chat_id)
        ]

    def texts_to(self, chat_id: int | str) -> list[str]:
        return [
            str(c.params.get("text", c.params.get("caption", ""))) for c in self.sent_to(chat_id)
        ]

    async def wait_for(
        self, predicate: Callable[[], object], timeout: float = 10.0, interval: float = 0.01
    ) -> None:
        """Yield to the test's event loop until `predicate()` is true."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise TimeoutError(f"condition not met within {timeout}s")
            await asyncio.sleep(interval)

    @property
    def pending_updates(self) -> int:
        with self._lock:
            return len(self._pending)

    # ------------------------------------------------------------------ the Bot API

    async def _api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(ApiError(401, "Unauthorized"))
        method = request.match_info["method"]
        params, files = await _read_params(request)
        error = self._injected_failure(method, params)
        if error is None:
            handler = getattr(self, f"_m_{method.lower()}", None)
            if handler is None:
                error = NOT_FOUND
            else:
                result = await handler(params, files)
                if isinstance(result, ApiError):
                    error = result
                else:
                    self.calls.append(Call(method, params, files))
                    return web.json_response({"ok": True, "result": result})
        self.calls.append(Call(method, params, files, error))
        return _error(error)

    def _injected_failure(self, method: str, params: dict[str, Any]) -> ApiError | None:
        with self._lock:
            chat = params.get("chat_id")
            failure = self._chat_failures.get(str(chat)) if chat is not None else None
            if failure is not None and method.startswith(("send", "edit", "copy", "forward")):
                return failure.error
            queue = self._method_failures.get(method) or []
            if not queue:
                return None
            failure = queue[0]
            if failure.skip > 0:
                failure.skip -= 1
                return None
            failure.remaining -= 1
            if failure.remaining == 0:
                queue.pop(0)
            return failure.error

    async def _m_getme(self, _params: dict[str, Any], _files: object) -> Any:
        return self.bot_user

    async def _m_logout(self, _params: dict[str, Any], _files: object) -> Any:
        return True

    async def _m_close(self, _params: dict[str, Any], _files: object) -> Any:
        return True

    async def _m_getupdates(self, params: dict[str, Any], _files: object) -> Any:
        if self.webhook is not None:
            return WEBHOOK_CONFLICT
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        deadline = time.monotonic() + timeout
        assert self._arrived is not None
        while True:
            self._arrived.clear()  # before looking, so a push in between still wakes us
            batch = self._take(offset, limit)
            remaining = deadline - time.monotonic()
            if batch or remaining <= 0 or self._closing:
                return batch
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), min(remaining, 0.5))

    def _take(self, offset: int, limit: int) -> list[dict[str, Any]]:
        """Forget updates before `offset` (confirmed), return the next ones (not yet confirmed)."""
        with self._lock:
            if offset:
                self._pending = [u for u in self._pending if u["update_id"] >= offset]
            return list(self._pending[:limit])

    async def _m_setwebhook(self, params: dict[str, Any], _files: object) -> Any:
        if not params.get("url"):
            return await self._m_deletewebhook(params, _files)
        self.webhook = {
            "url": params["url"],
            "secret_token": params.get("secret_token"),
            "allowed_updates": params.get("allowed_updates"),
        }
        with self._lock:
            waiting, self._pending = self._pending, []
        for update in waiting:  # what getUpdates had not fetched goes to the webhook
            self.push_update(update)
        return True

    async def _m_deletewebhook(self, params: dict[str, Any], _files: object) -> Any:
        self.webhook = None
        if str(params.get("drop_pending_updates", "")).lower() == "true":
            with self._lock:
                self._pending.clear()
        return True

    async def _m_getwebhookinfo(self, _params: dict[str, Any], _files: object) -> Any:
        return {
            "url": self.webhook["url"] if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": self.pending_updates,
        }

    async def _m_sendmessage(self, params: dict[str, Any], _files: object) -> Any:
        text = str(params.get("text", ""))
        if not text.strip():
            return MESSAGE_TEXT_EMPTY
        if len(text) > TEXT_LIMIT:  # TDLib counts code points (utf8_length), 2026-11
            return MESSAGE_TOO_LONG
        return self._markup_error(params) or self._message(params, text=text)

    async def _m_senddocument(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        error = self._markup_error(params)
        if error is not None:
            return error
        upload = files.get("document")
        if upload is None:
            return ApiError(400, "Bad Request: there is no document in the request")
        file_id = self.add_file(upload.content, f"documents/{upload.filename or 'file'}")
        document = {
            "file_id": file_id,
            "file_unique_id": f"AgAD{file_id[-6:]}",
            "file_name": upload.filename,
            "mime_type": upload.content_type,
            "file_size": len(upload.content),
        }
        extra = {"caption": params["caption"]} if params.get("caption") else {}
        return self._message(params, document=document, **extra)

    async def _m_sendchataction(self, _params: dict[str, Any], _files: object) -> Any:
        return True

    async def _m_answercallbackquery(self, params: dict[str, Any], _files: object) -> Any:
        return True if params.get("callback_query_id") else QUERY_TOO_OLD

    async def _m_editmessagetext(self, params: dict[str, Any], _files: object) -> Any:
        if len(str(params.get("text", ""))) > TEXT_LIMIT:
            return MESSAGE_TOO_LONG
        return self._markup_error(params) or self._edited(params, text=params.get("text", ""))

    async def _m_editmessagereplymarkup(self, params: dict[str, Any], _files: object) -> Any:
        return self._markup_error(params) or self._edited(params)

    async def _m_setmycommands(self, _params: dict[str, Any], _files: object) -> Any:
        return True

    async def _m_deletemycommands(self, _params: dict[str, Any], _files: object) -> Any:
        return True

    async def _m_getfile(self, params: dict[str, Any], _files: object) -> Any:
        file_id = str(params.get("file_id", ""))
        if file_id not in self.files:
            return ApiError(400, "Bad Request: invalid file_id")
        path, content = self.files[file_id]
        return {
            "file_id": file_id,
            "file_unique_id": f"AgAD{file_id[-6:]}",
            "file_size": len(content),
            "file_path": path,
        }

    async def _download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(ApiError(401, "Unauthorized"))
        for path, content in self.files.values():
            if path == request.match_info["path"]:
                return web.Response(body=content)
        return _error(NOT_FOUND)

    # ------------------------------------------------------------------ results

    def _markup_error(self, params: dict[str, Any]) -> ApiError | None:
        markup = params.get("reply_markup") or {}
        for row in markup.get("inline_keyboard", []) if isinstance(markup, dict) else []:
            for button in row:
                data = button.get("callback_data")
                if data is not None and len(data.encode()) > CALLBACK_DATA_LIMIT:
                    return BUTTON_DATA_INVALID
        return None

    def _message(self, params: dict[str, Any], **content: Any) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "from": self.bot_user,
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
            "date": int(time.time()),
            **content,
        }
        if chat_id < 0:
            message["chat"]["title"] = "Group"
        else:
            message["chat"]["first_name"] = "User"
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message

    def _edited(self, params: dict[str, Any], **content: Any) -> Any:
        if params.get("inline_message_id"):
            return True
        message = self._message(params, **content)
        message["message_id"] = int(params.get("message_id") or 0)
        message["edit_date"] = int(time.time())
        return message

    # ------------------------------------------------------------------ webhook delivery

    async def _deliver_webhooks(self) -> None:
        """POST queued updates to the webhook, `webhook_connections` at a time (default one)."""
        assert self._webhook_queue is not None
        queue = self._webhook_queue
        async with aiohttp.ClientSession() as session:

            async def worker() -> None:
                while True:
                    await self._post_update(session, await queue.get())

            await asyncio.gather(*(worker() for _ in range(self.webhook_connections)))

    async def _post_update(self, session: aiohttp.ClientSession, update: dict[str, Any]) -> None:
        webhook = self.webhook
        if webhook is None:
            with self._lock:
                self._pending.append(update)
            return
        headers = {"Content-Type": "application/json"}
        if webhook.get("secret_token"):
            headers["X-Telegram-Bot-Api-Secret-Token"] = webhook["secret_token"]
        start = time.monotonic()
        try:
            async with session.post(webhook["url"], data=json.dumps(update), headers=headers) as r:
                status = r.status
        except aiohttp.ClientError:
            status = 0
        self.webhook_deliveries.append((update["update_id"], status))
        self.webhook_windows.append((update["update_id"], status, start, time.monotonic()))
        if self.redeliver and not 200 <= status < 300 and not self._closing:
            assert self._loop is not None and self._webhook_queue is not None
            self._loop.call_later(self.redelivery_delay, self._webhook_queue.put_nowait, update)


def _error(error: ApiError) -> web.Response:
    return web.json_response(error.body(), status=error.status)


async def _read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, Upload]]:
    """Parameters from a query string, JSON, urlencoded or multipart body, as the API accepts."""
    params: dict[str, Any] = dict(request.query)
    files: dict[str, Upload] = {}
    if request.content_type == "application/json":
        body = await request.json()
        params.update({k: v if k in JSON_FIELDS else _scalar(v) for k, v in body.items()})
        return params, files
    if request.can_read_body:
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                files[key] = Upload(value.filename, value.content_type, value.file.read())
            else:
                params[key] = json.loads(value) if key in JSON_FIELDS else str(value)
    return params, files


def _scalar(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, dict | list) else str(value)


# ---------------------------------------------------------------------- update builders
# Shapes follow tests/fixtures/telegram/ (current API: is_bot, file_unique_id present).


def user(user_id: int, language_code: str | None = "es", first_name: str = "Ana") -> dict:
    found: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
    if language_code:
        found["language_code"] = language_code
    return found


def private_chat(user_id: int, first_name: str = "Ana") -> dict:
    return {"id": user_id, "first_name": first_name, "type": "private"}


_message_ids = itertools.count(1)


def message(user_id: int, language_code: str | None = "es", **content: Any) -> dict:
    """A Message from a user in their private chat with the bot."""
    return {
        "message_id": next(_message_ids),
        "from": user(user_id, language_code),
        "chat": private_chat(user_id),
        "date": int(time.time()),
        **content,
    }


def text_update(user_id: int, text: str, language_code: str | None = "es") -> dict:
    """A text message; a leading /command carries its bot_command entity, as clients send."""
    content: dict[str, Any] = {"text": text}
    if text.startswith("/"):
        length = len(text.split()[0])
        content["entities"] = [{"offset": 0, "length": length, "type": "bot_command"}]
    return {"message": message(user_id, language_code, **content)}


def callback_update(
    user_id: int, data: str, language_code: str | None = "es", label: str | None = None
) -> dict:
    """A tap on an inline button of a message the bot sent."""
    button = {"text": label or data, "callback_data": data}
    origin = {
        "message_id": next(_message_ids),
        "from": BOT_USER,
        "chat": private_chat(user_id),
        "date": int(time.time()),
        "text": "…",
        "reply_markup": {"inline_keyboard": [[button]]},
    }
    return {
        "callback_query": {
            "id": str(next(_message_ids) + 4278655576057498272),
            "from": user(user_id, language_code),
            "message": origin,
            "chat_instance": "-2291384178539442901",
            "data": data,
        }
    }


def document_update(
    user_id: int,
    file_id: str,
    file_name: str,
    size: int,
    mime_type: str = "application/pdf",
    caption: str | None = None,
) -> dict:
    document = {
        "file_name": file_name,
        "mime_type": mime_type,
        "file_id": file_id,
        "file_unique_id": f"AgAD{file_id[-6:]}",
        "file_size": size,
    }
    content: dict[str, Any] = {"document": document}
    if caption:
        content["caption"] = caption
    return {"message": message(user_id, **content)}


def voice_update(user_id: int, file_id: str, size: int, duration: int = 3) -> dict:
    voice = {
        "duration": duration,
        "mime_type": "audio/ogg",
        "file_id": file_id,
        "file_unique_id": f"AgAD{file_id[-6:]}",
        "file_size": size,
    }
    return {"message": message(user_id, voice=voice)}


def edited_update(user_id: int, message_id: int, text: str) -> dict:
    edited = message(user_id, text=text)
    edited["message_id"] = message_id
    edited["edit_date"] = edited["date"] + 7
    return {"edited_message": edited}


def membership_update(user_id: int, old: str, new: str) -> dict:
    """my_chat_member in the user's private chat: member -> kicked is a block."""
    bot = {k: BOT_USER[k] for k in ("id", "is_bot", "first_name", "username")}
    old_member: dict[str, Any] = {"user": bot, "status": old}
    new_member: dict[str, Any] = {"user": bot, "status": new}
    for member in (old_member, new_member):
        if member["status"] == "kicked":
            member["until_date"] = 0
    return {
        "my_chat_member": {
            "chat": private_chat(user_id),
            "from": user(user_id, None),
            "date": int(time.time()),
            "old_chat_member": old_member,
            "new_chat_member": new_member,
        }
    }


def group_update(chat_id: int, user_id: int, text: str) -> dict:
    return {
        "message": {
            "message_id": next(_message_ids),
            "from": user(user_id, "en"),
            "chat": {"id": chat_id, "title": "Red regional", "type": "supergroup"},
            "date": int(time.time()),
            "text": text,
        }
    }


def iter_buttons(call: Call) -> Iterator[dict[str, Any]]:
    """The inline buttons a recorded sendMessage/sendDocument carried."""
    markup = call.params.get("reply_markup") or {}
    for row in markup.get("inline_keyboard", []):
        yield from row


@asynccontextmanager
async def serve_asgi(app: Any) -> AsyncIterator[str]:
    """Serve an ASGI app (our webhook) on a random loopback port in this event loop."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()
