"""The one interface between chat platforms and the consultation logic.

Transports turn platform updates into `Inbound` values and render `Reply` values; handlers read
the former and return the latter. Neither side imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class InboundKind(StrEnum):
    """What a stakeholder did, reduced to what the flows need to know."""

    COMMAND = "command"
    TEXT = "text"
    CHOICE = "choice"
    ATTACHMENT = "attachment"
    EDIT = "edit"
    UNSUPPORTED = "unsupported"  # sticker, photo without document, location, ...
    BLOCKED = "blocked"  # the user blocked the bot or deactivated the account
    UNBLOCKED = "unblocked"
    GROUP = "group"  # a message in a group or channel, where the bot does not consult


@dataclass(frozen=True)
class Address:
    """Where a reply goes: a platform and the chat on it.

    The outbox adds what a platform with delivery rules needs of the person: WhatsApp sends a
    pre-approved template in their language when their last message is over 24 hours old.
    """

    platform: str
    chat_id: str
    language: str | None = None
    last_seen: datetime | None = None  # their latest message to the bot, when known


@dataclass(frozen=True)
class AttachmentRef:
    """A file a stakeholder sent, as a reference the transport can fetch again."""

    platform_file_id: str
    kind: str  # "document" or "voice"
    filename: str | None = None
    mime_type: str | None = None
    size: int | None = None
    stored_path: str | None = None  # set by a transport that already fetched the file
    problem: str | None = None  # why it was not fetched: TOO_LARGE or UNAVAILABLE


TOO_LARGE = "too_large"  # over what the platform lets a bot download, or our own limit
UNAVAILABLE = "unavailable"  # the download failed


@dataclass(frozen=True)
class Inbound:
    """One update from a platform, normalised."""

    platform: str
    user_id: str
    chat_id: str
    update_id: str
    kind: InboundKind
    text: str = ""
    command: str | None = None  # without the slash, lower case
    args: str = ""
    choice: str | None = None  # the callback data of a tapped button
    attachment: AttachmentRef | None = None
    locale_hint: str | None = None  # the platform's language code for the user
    message_ref: str | None = None  # the platform's message id, so an edit finds what it edits

    @property
    def address(self) -> Address:
        return Address(self.platform, self.chat_id)


@dataclass(frozen=True)
class Choice:
    """A button. `data` stays within Telegram's 64-byte callback limit."""

    label: str
    data: str


@dataclass(frozen=True)
class Document:
    """A file sent to the user, such as an export or a calendar."""

    filename: str
    content: bytes
    mime_type: str = "application/octet-stream"


@dataclass(frozen=True)
class Reply:
    """A message to the user, with optional buttons and an optional file."""

    text: str
    choices: tuple[Choice, ...] = field(default_factory=tuple)
    document: Document | None = None
    columns: int = 1  # how many buttons a row holds where the platform lays them out
    key: str = ""  # a stable name of the message, for tests and logs (not shown)
    preface: str = ""  # a short reply folded in before this one ("Saved."), shown first

    @property
    def shown(self) -> str:
        """The whole text the user reads: the folded-in preface, then the reply's own text."""
        return f"{self.preface}\n\n{self.text}" if self.preface else self.text

    def __post_init__(self) -> None:
        for choice in self.choices:
            if len(choice.data.encode()) > 64:
                raise ValueError(f"callback data over 64 bytes: {choice.data!r}")


class Outcome(StrEnum):
    """What became of an update, so a transport knows whether to acknowledge it."""

    HANDLED = "handled"  # committed: acknowledge, send the replies
    DUPLICATE = "duplicate"  # seen before: acknowledge, nothing to send
    FAILED = "failed"  # nothing committed: the platform may deliver it again
    THROTTLED = "throttled"  # set aside by flood control (the sender is told): acknowledge it


@dataclass(frozen=True)
class Handled:
    """The engine's answer to one update: the replies and whether it was committed."""

    replies: list[Reply]
    outcome: Outcome = Outcome.HANDLED

    @property
    def committed(self) -> bool:
        return self.outcome != Outcome.FAILED
