"""The terminal as a transport: replies printed, choices as [1] …, answers by number or label.

It reads standard input line by line, so a script can pipe a whole conversation in; it stops at
the end of input. `/attach PATH` sends a file, as a document in a chat would be: a copy goes into
the attachment store, so erasing the answer never touches the user's own file.
"""

from __future__ import annotations

import asyncio
import hashlib
import sys
import uuid
from pathlib import Path
from typing import TextIO

from starlette.routing import BaseRoute

from bot.core.attachments import AttachmentStore
from bot.core.messages import (
    TOO_LARGE,
    UNAVAILABLE,
    Address,
    AttachmentRef,
    Choice,
    Inbound,
    InboundKind,
    Reply,
)
from bot.core.text import normalise
from bot.transports.base import Limits, Receiver, Startup, receive

MAX_ATTACHMENT = 50 * 1024 * 1024  # bytes, as Slack's transport fetches at most


class ConsoleTransport:
    """One person at this terminal; replies print at once (no rate to respect)."""

    platform = "console"
    limits = Limits(messages_per_second=1000, per_chat_interval=0.0, text_length=100_000)

    def __init__(
        self,
        user_id: str,
        language: str | None = None,
        downloads: Path = Path("downloads"),
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        attachments: AttachmentStore | None = None,
    ) -> None:
        self.user_id = user_id
        self.language = language
        self.downloads = downloads
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.attachments = attachments or AttachmentStore("attachments")
        self.choices: list[Choice] = []
        self._receiver: Receiver | None = None

    def routes(self, receiver: Receiver) -> list[BaseRoute]:
        return []

    async def start(self, startup: Startup) -> None:
        self._receiver = startup.receiver

    async def stop(self) -> None:
        return None

    async def serve(self) -> None:
        """Read until end of input; the first thing sent is /start, as a new chat would."""
        await self._exchange("/start")
        while True:
            line = await asyncio.to_thread(self.stdin.readline)
            if not line:
                break
            line = line.rstrip("\n")
            if not line.strip():
                continue
            self._print(f"> {line}")
            if line.startswith("/attach ") and not Path(line[8:].strip()).expanduser().is_file():
                self._print(f"(no such file: {line[8:].strip()})\n")
                continue
            await self._exchange(line)

    async def _exchange(self, line: str) -> None:
        assert self._receiver is not None, "start() gives the receiver"
        await receive(self._receiver, self, self.to_inbound(line))

    def to_inbound(self, line: str) -> Inbound:
        """A typed line as the engine sees it: a command, a tapped choice, a file or text."""
        base = {
            "platform": self.platform,
            "user_id": self.user_id,
            "chat_id": self.user_id,
            "update_id": uuid.uuid4().hex,
            "locale_hint": self.language,
            "message_ref": uuid.uuid4().hex[:12],
        }
        text = line.strip()
        choice = self._match_choice(text)
        if choice is not None:
            return Inbound(kind=InboundKind.CHOICE, choice=choice.data, text=text, **base)
        if text.startswith("/attach "):
            attachment = self._attachment(text[8:])
            return Inbound(kind=InboundKind.ATTACHMENT, attachment=attachment, **base)
        if text.startswith("/") and len(text) > 1:
            command, _, args = text[1:].partition(" ")
            return Inbound(
                kind=InboundKind.COMMAND, command=command.lower(), args=args, text=text, **base
            )
        return Inbound(kind=InboundKind.TEXT, text=line, **base)

    def _match_choice(self, text: str) -> Choice | None:
        if text.isdigit() and 1 <= int(text) <= len(self.choices):
            return self.choices[int(text) - 1]
        wanted = normalise(text)
        return next(
            (c for c in self.choices if normalise(c.label.removeprefix("✓ ")) == wanted), None
        )

    async def send(self, address: Address, reply: Reply) -> None:
        self._print(reply.shown)
        if reply.choices:
            self.choices = list(reply.choices)
            for number, choice in enumerate(reply.choices, start=1):
                self._print(f"  [{number}] {choice.label}")
        if reply.document is not None:
            self.downloads.mkdir(parents=True, exist_ok=True)
            path = self.downloads / reply.document.filename
            path.write_bytes(reply.document.content)
            self._print(f"  (file saved: {path})")
        self._print("")

    def _print(self, text: str) -> None:
        print(text, file=self.stdout, flush=True)

    def _attachment(self, path_text: str) -> AttachmentRef:
        """A copy of the file in the attachment store, named by its content; never the path."""
        path = Path(path_text.strip()).expanduser()
        kind = (
            "voice"
            if path.suffix.lower() in (".ogg", ".oga", ".mp3", ".m4a", ".opus")
            else "document"
        )
        try:
            size = path.stat().st_size
            content = path.read_bytes() if size <= MAX_ATTACHMENT else b""
        except OSError:
            return AttachmentRef("", kind, filename=path.name, problem=UNAVAILABLE)
        if size > MAX_ATTACHMENT:
            return AttachmentRef("", kind, filename=path.name, size=size, problem=TOO_LARGE)
        file_id = hashlib.sha256(content).hexdigest()[:32]
        stored = self.attachments.save(self.platform, file_id, path.name, content)
        return AttachmentRef(
            platform_file_id=file_id,
            kind=kind,
            filename=path.name,
            size=size,
            stored_path=str(stored),
        )
