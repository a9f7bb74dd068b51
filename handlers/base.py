"""What every flow works with: the context of one update, and the conventions for buttons.

A flow is a small class with three coroutines: `start` (a command opened it), `prompt`
(ask the current step again, for example after /language or a bad input) and `handle`
(input at the current step). Its position is the conversation row: `flow`, `step`, `draft`.

Button data:
- `/command args` is a global button, valid on any old message (a menu entry);
- `<token>:<value>` belongs to one step; the token changes with the step, so a tap on a
  button from an older message is recognised as stale instead of being taken as an answer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.i18n import Translator, translator
from bot.core.messages import Choice, Document, Inbound, InboundKind, Reply
from bot.core.settings import Settings
from bot.core.text import normalise, shorten
from bot.pack import Pack
from storage.models import Conversation, Stakeholder

MAX_LABEL = 60


def step_token(flow: str, step: str, scope: str = "") -> str:
    return hashlib.sha1(f"{flow}|{step}|{scope}".encode()).hexdigest()[:6]


@dataclass
class Context:
    """One update being handled: who, where they are, and the replies being written."""

    inbound: Inbound
    session: AsyncSession
    pack: Pack
    settings: Settings
    stakeholder: Stakeholder
    conversation: Conversation
    roles: frozenset[str]
    now: datetime
    services: dict[str, Any] = field(default_factory=dict)
    replies: list[Reply] = field(default_factory=list)
    erased: bool = False
    heading: str = ""  # put before the next message, such as "Registration 2/6"
    # Work that must read the committed database with its own connections (an export), run by
    # the engine after this update's transaction; each returns replies sent after ours.
    after_commit: list[Callable[[], Awaitable[list[Reply]]]] = field(default_factory=list)

    @property
    def language(self) -> str:
        """The chosen language; before a choice, the platform's if the pack has it."""
        if self.stakeholder.language:
            return self.stakeholder.language
        hint = (self.inbound.locale_hint or "").split("-")[0].lower()
        return hint if hint in self.pack.languages else self.pack.default_language

    @property
    def t(self) -> Translator:
        return translator(self.language)

    @property
    def draft(self) -> dict[str, Any]:
        return self.conversation.draft

    @property
    def registered(self) -> bool:
        return self.stakeholder.registered_at is not None

    @property
    def actor(self) -> str:
        return f"{self.inbound.platform}:{self.inbound.user_id}"

    def text(self, localized: dict[str, str] | None) -> str:
        return self.pack.text(localized, self.language)

    def say(
        self,
        text: str,
        choices: Sequence[Choice] = (),
        *,
        key: str = "",
        columns: int = 1,
        document: Document | None = None,
    ) -> None:
        if self.heading:
            text, self.heading = f"{self.heading}\n{text}", ""
        self.replies.append(
            Reply(text=text, choices=tuple(choices), key=key, columns=columns, document=document)
        )

    def goto(
        self, flow: str, step: str, draft: dict[str, Any] | None = None, scope: str = ""
    ) -> None:
        """Move the conversation; a new draft dict so SQLAlchemy sees the change."""
        new_draft = dict(self.draft if draft is None else draft)
        new_draft["_scope"] = scope
        self.conversation.flow = flow
        self.conversation.step = step
        self.conversation.draft = new_draft

    def update_draft(self, **values: Any) -> None:
        self.conversation.draft = {**self.draft, **values}

    @property
    def token(self) -> str:
        conversation = self.conversation
        return step_token(conversation.flow, conversation.step, self.draft.get("_scope", ""))

    def choice(self, label: str, value: str) -> Choice:
        return Choice(shorten(label, MAX_LABEL), f"{self.token}:{value}")

    def chosen(self) -> str | None:
        """The value of a button of the current step, or None (stale buttons are caught earlier)."""
        data = self.inbound.choice if self.inbound.kind == InboundKind.CHOICE else None
        if not data or ":" not in data:
            return None
        token, _, value = data.partition(":")
        return value if token == self.token else None

    def pick(self, options: Iterable[tuple[str, str]]) -> str | None:
        """A button value, or typed text matching an option's label or value (any case/accents)."""
        value = self.chosen()
        pairs = list(options)
        if value is not None:
            return value if any(value == option for option, _ in pairs) else None
        if self.inbound.kind != InboundKind.TEXT:
            return None
        typed = normalise(self.inbound.text)
        for option, label in pairs:
            if typed in (normalise(label), normalise(option)):
                return option
        return None


def command_choice(label: str, command: str) -> Choice:
    """A menu button that runs a command from any message, old or new."""
    return Choice(shorten(label, MAX_LABEL), f"/{command}")


class Flow:
    """Base of the flows: subclasses set `name` and override what they need."""

    name: ClassVar[str] = ""

    async def start(self, ctx: Context) -> None:
        raise NotImplementedError

    async def prompt(self, ctx: Context) -> None:
        raise NotImplementedError

    async def handle(self, ctx: Context) -> None:
        raise NotImplementedError
