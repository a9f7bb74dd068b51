"""What every flow works with: one update's context, and the conventions for buttons.

The context holds plain values (the stakeholder, where they are, their roles), a typed `Store`
for what else a flow reads or changes, and the replies being written. The engine loads it once
per update and saves what changed, in the update's one transaction.

Button data:
- `/command args` is a global button, valid on any old message (a menu entry);
- `<token>:<value>` belongs to one step; the token changes with the step, so a tap on a
  button from an older message is recognised as stale instead of being taken as an answer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.core.i18n import Translator, translator
from bot.core.messages import Choice, Document, Inbound, InboundKind, Reply
from bot.core.text import shorten
from bot.pack import LocalizedText, Pack
from bot.questions import AnswerInput
from bot.questions.base import Option, pick
from handlers.flow import START, Flow, check_move
from handlers.store import Store
from storage.state import Position, StakeholderState

MAX_LABEL = 60


def step_token(flow: str, step: str, scope: str = "") -> str:
    return hashlib.sha1(f"{flow}|{step}|{scope}".encode()).hexdigest()[:6]


@dataclass
class Context:
    """One update being handled: who, where they are, and the replies being written."""

    inbound: Inbound
    pack: Pack
    now: datetime
    roles: frozenset[str]
    stakeholder: StakeholderState
    position: Position
    store: Store
    flows: Mapping[str, Flow]
    replies: list[Reply] = field(default_factory=list)
    heading: str = ""  # put before the next message, such as "Registration 2/6"
    table: str = ""  # the flow whose table the next move is checked against
    at: str = START  # ... and the step of it the move starts from

    @property
    def language(self) -> str:
        """The chosen language; before a choice, the platform's if the pack has it."""
        return self.pack.language_for(self.stakeholder.language, self.inbound.locale_hint)

    @property
    def t(self) -> Translator:
        return translator(self.language)

    @property
    def draft(self) -> dict[str, Any]:
        if self.position.draft is None:
            self.position.draft = {}
        return self.position.draft

    @property
    def registered(self) -> bool:
        return self.stakeholder.registered_at is not None

    @property
    def actor(self) -> str:
        return f"{self.inbound.platform}:{self.inbound.user_id}"

    def text(self, localized: LocalizedText | None) -> str:
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

    # -- moving ------------------------------------------------------------------------------

    def goto(
        self, flow: str, step: str, draft: dict[str, Any] | None = None, scope: str = ""
    ) -> None:
        """Move the conversation, as the current step's table allows; a fresh draft dict."""
        current = self.flows.get(self.table or self.position.flow)
        if current is not None:
            check_move(current, self.at, flow, step)
        new_draft = dict(self.draft if draft is None else draft)
        new_draft["_scope"] = scope
        self.position.flow, self.position.step, self.position.draft = flow, step, new_draft
        self.table, self.at = flow, step

    def enter(self, flow: str) -> None:
        """A command opens `flow`: its `starts_at` governs the first move."""
        self.table, self.at = flow, START

    def restore(self, flow: str, step: str, draft: dict[str, Any]) -> None:
        """Go back to a position saved earlier (after /language), wherever it was."""
        self.position.flow, self.position.step, self.position.draft = flow, step, dict(draft)
        self.table, self.at = flow, step

    def update_draft(self, **values: Any) -> None:
        self.position.draft = {**self.draft, **values}

    async def prompt_current(self) -> None:
        """Ask again whatever the stakeholder is at, in whichever flow."""
        await self.flows[self.position.flow].prompt(self)

    # -- buttons -----------------------------------------------------------------------------

    @property
    def token(self) -> str:
        position = self.position
        return step_token(position.flow, position.step, self.draft.get("_scope", ""))

    def choice(self, label: str, value: str) -> Choice:
        return Choice(shorten(label, MAX_LABEL), f"{self.token}:{value}")

    def choices(self, options: Iterable[Option]) -> list[Choice]:
        return [self.choice(label, value) for value, label in options]

    def chosen(self) -> str | None:
        """The value of a button of the current step, or None (stale buttons are caught earlier)."""
        data = self.inbound.choice if self.inbound.kind == InboundKind.CHOICE else None
        if not data or ":" not in data:
            return None
        token, _, value = data.partition(":")
        return value if token == self.token else None

    def given(self) -> AnswerInput:
        """The input as question types and pure helpers read it."""
        inbound = self.inbound
        return AnswerInput(
            kind=inbound.kind,
            text=inbound.text,
            chosen=self.chosen(),
            attachment=inbound.attachment,
            message_ref=inbound.message_ref,
        )

    def pick(self, options: Iterable[tuple[str, str]]) -> str | None:
        """A button value, or typed text matching an option's label or value (any case/accents)."""
        return pick(self.given(), options)


def command_choice(label: str, command: str) -> Choice:
    """A menu button that runs a command from any message, old or new."""
    return Choice(shorten(label, MAX_LABEL), f"/{command}")
