"""A local stand-in for the Slack Web API: a real HTTP server on loopback that slack_sdk talks to.

Like bolt-python's `tests/mock_web_api_server`, it runs in a thread, answers as Slack does
(`{"ok": true, ...}`; errors as `{"ok": false, "error": ...}` with HTTP 200; 429 with
`Retry-After`), records every call, and can be told to fail the next calls of a method.
What Slack sends to the app is built in `slack_requests`; Socket Mode is in `slack_socket_mode`.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

BOT_TOKEN = "xoxb-test-token"
APP_TOKEN = "xapp-1-test-token"
SIGNING_SECRET = "test-signing-secret"
TEAM_ID = "T111"
BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"

Json = dict[str, Any]


@dataclass(frozen=True)
class Call:
    """One request the fake received: the API method (or route) and its merged arguments."""

    method: str
    args: Json
    headers: dict[str, str]


@dataclass
class Failure:
    """What the next `times` calls of a method get instead of an answer."""

    times: int
    error: str = "ratelimited"
    status: int = 200
    retry_after: int | None = None


@dataclass
class FakeUser:
    id: str
    name: str = "ana"
    real_name: str = "Ana Pérez"
    locale: str = "es-LA"
    deleted: bool = False


@dataclass
class FakeFile:
    id: str
    name: str
    mimetype: str
    content: bytes
    file_access: str | None = None  # "check_file_info" to make the app call files.info


@dataclass
class _State:
    calls: list[Call] = field(default_factory=list)
    failures: dict[str, list[Failure]] = field(default_factory=dict)
    users: dict[str, FakeUser] = field(default_factory=dict)
    files: dict[str, FakeFile] = field(default_factory=dict)
    uploads: dict[str, bytes] = field(default_factory=dict)
    messages: dict[tuple[str, str], Json] = field(default_factory=dict)


class FakeSlackApi:
    """The Slack Web API on 127.0.0.1 at a random port; `base_url` goes into SLACK_API_URL."""

    def __init__(self, token: str = BOT_TOKEN) -> None:
        self.token = token
        self.socket_mode_url: str | None = None  # what apps.connections.open hands out
        self.state = _State()
        self._lock = threading.Lock()
        self._ts = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    # --- lifecycle ---

    def start(self) -> FakeSlackApi:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeSlackApi:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    @property
    def root(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def base_url(self) -> str:
        return f"{self.root}/api/"

    # --- arranging ---

    def add_user(self, user_id: str, locale: str = "es-LA", **fields: Any) -> FakeUser:
        user = FakeUser(id=user_id, locale=locale, **fields)
        self.state.users[user_id] = user
        return user

    def add_file(
        self, name: str, content: bytes, mimetype: str = "application/pdf", **fields: Any
    ) -> Json:
        """Store a file a user shares and return its object as a file_share event carries it."""
        file = FakeFile(
            id=f"F{next(self._file_ids):04d}",
            name=name,
            mimetype=mimetype,
            content=content,
            **fields,
        )
        self.state.files[file.id] = file
        return self.file_object(file)

    def fail_next(
        self,
        method: str,
        times: int = 1,
        *,
        error: str = "ratelimited",
        status: int | None = None,
        retry_after: int | None = None,
    ) -> None:
        """Make the next `times` calls of `method` fail; `ratelimited` answers 429 + Retry-After."""
        if status is None:
            status = 429 if error == "ratelimited" else 200
        if status == 429 and retry_after is None:
            retry_after = 1
        with self._lock:
            queue = self.state.failures.setdefault(method, [])
            queue.append(Failure(times=times, error=error, status=status, retry_after=retry_after))

    # --- asserting ---

    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return list(self.state.calls)

    def calls_to(self, method: str) -> list[Json]:
        return [call.args for call in self.calls if call.method == method]

    def posted(self, channel: str | None = None) -> list[Json]:
        """Messages chat.postMessage accepted, in order, optionally for one channel."""
        return [
            message
            for (chan, _ts), message in list(self.state.messages.items())
            if channel is None or chan == channel
        ]

    def reset_calls(self) -> None:
        with self._lock:
            self.state.calls.clear()

    # --- answering ---

    def file_object(self, file: FakeFile) -> Json:
        url = f"{self.root}/files-pri/{TEAM_ID}-{file.id}/{urllib.parse.quote(file.name)}"
        shown: Json = {
            "id": file.id,
            "name": file.name,
            "title": file.name,
            "mimetype": file.mimetype,
            "filetype": file.name.rsplit(".", 1)[-1],
            "size": len(file.content),
            "mode": "hosted",
        }
        if file.file_access:
            return {"id": file.id, "mode": "file_access", "file_access": file.file_access}
        return {**shown, "url_private": url, "url_private_download": url + "?download=1"}

    def next_ts(self) -> str:
        return f"{int(time.time())}.{next(self._ts):06d}"

    def record(self, method: str, args: Json, headers: dict[str, str]) -> Failure | None:
        """Log the call and pop the failure planned for it, if any."""
        with self._lock:
            self.state.calls.append(Call(method, args, headers))
            queue = self.state.failures.get(method) or []
            if not queue:
                return None
            failure = queue[0]
            failure.times -= 1
            if failure.times <= 0:
                queue.pop(0)
            return failure

    def answer(self, method: str, args: Json) -> Json:
        handler = _METHODS.get(method)
        if handler is None:
            return {"ok": False, "error": "unknown_method"}
        return handler(self, args)


# --- the Web API methods ------------------------------------------------------------------------


def _auth_test(api: FakeSlackApi, _args: Json) -> Json:
    return {
        "ok": True,
        "url": "https://consultbot-test.slack.com/",
        "team": "Consultbot Test",
        "user": "consultbot",
        "team_id": TEAM_ID,
        "user_id": BOT_USER_ID,
        "bot_id": BOT_ID,
        "is_enterprise_install": False,
    }


def _message(api: FakeSlackApi, args: Json, ts: str) -> Json:
    return {
        "type": "message",
        "user": BOT_USER_ID,
        "bot_id": BOT_ID,
        "ts": ts,
        "text": args.get("text", ""),
        "blocks": _blocks(args.get("blocks")),
    }


def _blocks(value: Any) -> list[Json]:
    if isinstance(value, str):  # form-encoded calls send blocks as a JSON string
        return json.loads(value)
    return list(value or [])


def _post_message(api: FakeSlackApi, args: Json) -> Json:
    channel = str(args.get("channel") or "")
    if not channel:
        return {"ok": False, "error": "channel_not_found"}
    if not args.get("text") and not args.get("blocks"):
        return {"ok": False, "error": "no_text"}
    ts = api.next_ts()
    message = _message(api, args, ts)
    api.state.messages[(channel, ts)] = {**message, "channel": channel}
    return {"ok": True, "channel": channel, "ts": ts, "message": message}


def _update(api: FakeSlackApi, args: Json) -> Json:
    key = (str(args.get("channel")), str(args.get("ts")))
    if key not in api.state.messages:
        return {"ok": False, "error": "message_not_found"}
    message = _message(api, args, key[1])
    api.state.messages[key] = {**message, "channel": key[0]}
    return {
        "ok": True,
        "channel": key[0],
        "ts": key[1],
        "text": message["text"],
        "message": message,
    }


def _users_info(api: FakeSlackApi, args: Json) -> Json:
    user = api.state.users.get(str(args.get("user")))
    if user is None:
        return {"ok": False, "error": "user_not_found"}
    shown: Json = {
        "id": user.id,
        "team_id": TEAM_ID,
        "name": user.name,
        "deleted": user.deleted,
        "real_name": user.real_name,
        "tz": "America/Bogota",
        "profile": {"real_name": user.real_name, "display_name": user.name},
        "is_bot": False,
    }
    if str(args.get("include_locale")).lower() in {"true", "1"}:
        shown["locale"] = user.locale
    return {"ok": True, "user": shown}


def dm_channel_of(user_id: str) -> str:
    """The fake's IM channel id for a user: Slack's are opaque, ours are predictable."""
    return "D" + user_id.removeprefix("U").removeprefix("W")


def _conversations_open(api: FakeSlackApi, args: Json) -> Json:
    users = str(args.get("users") or "").split(",")
    if len(users) != 1 or users[0] not in api.state.users:
        return {"ok": False, "error": "user_not_found"}
    return {"ok": True, "channel": {"id": dm_channel_of(users[0])}}


def _files_info(api: FakeSlackApi, args: Json) -> Json:
    file = api.state.files.get(str(args.get("file")))
    if file is None:
        return {"ok": False, "error": "file_not_found"}
    full = FakeFile(file.id, file.name, file.mimetype, file.content)
    return {"ok": True, "file": api.file_object(full)}


def _get_upload_url(api: FakeSlackApi, args: Json) -> Json:
    if not args.get("filename") or not args.get("length"):
        return {"ok": False, "error": "invalid_arguments"}
    file_id = f"FU{next(api._file_ids):04d}"
    api.state.files[file_id] = FakeFile(file_id, str(args["filename"]), "", b"")
    return {"ok": True, "upload_url": f"{api.root}/upload/v1/{file_id}", "file_id": file_id}


def _complete_upload(api: FakeSlackApi, args: Json) -> Json:
    files = args.get("files")
    files = json.loads(files) if isinstance(files, str) else files or []
    shared = []
    for item in files:
        file_id = item.get("id")
        if file_id not in api.state.uploads:
            return {"ok": False, "error": "file_upload_not_found"}
        shared.append({"id": file_id, "title": item.get("title") or ""})
    return {"ok": True, "files": shared}


_METHODS: dict[str, Callable[[FakeSlackApi, Json], Json]] = {
    "auth.test": _auth_test,
    "chat.postMessage": _post_message,
    "chat.update": _update,
    "users.info": _users_info,
    "conversations.open": _conversations_open,
    "files.info": _files_info,
    "files.getUploadURLExternal": _get_upload_url,
    "files.completeUploadExternal": _complete_upload,
}


# --- the HTTP side ------------------------------------------------------------------------------


def _handler_for(api: FakeSlackApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_args: Any) -> None:  # keep test output quiet
            pass

        def do_GET(self) -> None:
            self._route()

        def do_POST(self) -> None:
            self._route()

        def do_PUT(self) -> None:
            self._route()

        def _route(self) -> None:
            path = urllib.parse.urlsplit(self.path).path
            if path.startswith("/api/"):
                self._api(path.removeprefix("/api/"))
            elif path.startswith("/upload/v1/"):
                self._upload(path.removeprefix("/upload/v1/"))
            elif path.startswith("/files-pri/"):
                self._download(path)
            else:
                self._send(404, b"not found", "text/plain")

        def _read(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def _args(self, body: bytes) -> Json:
            query = urllib.parse.urlsplit(self.path).query
            args: Json = dict(urllib.parse.parse_qsl(query))
            kind = self.headers.get("Content-Type", "")
            if body and kind.startswith("application/json"):
                args.update(json.loads(body))
            elif body and kind.startswith("application/x-www-form-urlencoded"):
                args.update(urllib.parse.parse_qsl(body.decode()))
            return args

        def _authorized(self, args: Json) -> bool:
            bearer = self.headers.get("Authorization", "").removeprefix("Bearer ")
            return api.token in (bearer, args.get("token"))

        def _api(self, method: str) -> None:
            args = self._args(self._read())
            failure = api.record(method, args, dict(self.headers.items()))
            if failure is not None:
                headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after else {}
                self._json(failure.status, {"ok": False, "error": failure.error}, headers)
            elif method == "apps.connections.open":
                self._json(200, self._connections_open())
            elif not self._authorized(args):
                self._json(200, {"ok": False, "error": "invalid_auth"})
            else:
                self._json(200, api.answer(method, args))

        def _connections_open(self) -> Json:
            """Socket Mode's first step: only the app-level token may ask for a WebSocket URL."""
            if self.headers.get("Authorization") != f"Bearer {APP_TOKEN}":
                return {"ok": False, "error": "invalid_auth"}
            if api.socket_mode_url is None:
                return {"ok": False, "error": "socket_mode_not_enabled"}
            return {"ok": True, "url": api.socket_mode_url}

        def _upload(self, file_id: str) -> None:
            body = self._read()
            api.record(
                "upload", {"file_id": file_id, "size": len(body)}, dict(self.headers.items())
            )
            if file_id not in api.state.files:
                self._send(404, b"not found", "text/plain")
                return
            api.state.uploads[file_id] = body
            self._send(200, f"OK - {len(body)}".encode(), "text/plain")

        def _download(self, path: str) -> None:
            api.record("download", {"path": path}, dict(self.headers.items()))
            file_id = path.split("/")[2].split("-", 1)[-1]
            file = api.state.files.get(file_id)
            if not self._authorized({}):
                # Slack answers an unauthenticated url_private with its sign-in page, 200 (2026-11).
                self._send(200, b"<!DOCTYPE html><title>Slack</title>", "text/html")
            elif file is None:
                self._send(404, b"not found", "text/plain")
            else:
                self._send(200, file.content, file.mimetype or "application/octet-stream")

        def _json(self, status: int, payload: Json, headers: dict[str, str] | None = None) -> None:
            self._send(status, json.dumps(payload).encode(), "application/json", headers)

        def _send(
            self, status: int, body: bytes, kind: str, headers: dict[str, str] | None = None
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

    return Handler
