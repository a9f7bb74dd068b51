"""Drive the engine as a stakeholder would: type, tap a button by its label, send a file."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from bot.core.flood import FloodGate
from bot.core.messages import AttachmentRef, Choice, Inbound, InboundKind, Reply
from bot.core.settings import load_settings
from bot.core.text import normalise
from bot.engine.engine import Engine
from bot.pack import Pack
from storage.db import Database

_update_ids = itertools.count(1)


@dataclass
class Dialog:
    """One stakeholder's chat with the engine; remembers the buttons last shown."""

    engine: Engine
    user_id: str = "u1"
    platform: str = "console"
    locale: str | None = None
    replies: list[Reply] = field(default_factory=list)
    choices: list[Choice] = field(default_factory=list)

    def _inbound(self, kind: InboundKind, **values: object) -> Inbound:
        return Inbound(
            platform=self.platform,
            user_id=self.user_id,
            chat_id=f"chat-{self.user_id}",
            update_id=str(values.pop("update_id", None) or next(_update_ids)),
            kind=kind,
            locale_hint=self.locale,
            **values,  # type: ignore[arg-type]  # Inbound fields given by name
        )

    async def deliver(self, inbound: Inbound) -> list[Reply]:
        self.replies = await self.engine.handle(inbound)
        shown = [reply.choices for reply in self.replies if reply.choices]
        if shown:
            self.choices = list(shown[-1])
        return self.replies

    async def command(self, text: str, **values: object) -> list[Reply]:
        name, _, args = text.lstrip("/").partition(" ")
        return await self.deliver(
            self._inbound(InboundKind.COMMAND, command=name, args=args, text=text, **values)
        )

    async def say(self, text: str, **values: object) -> list[Reply]:
        return await self.deliver(self._inbound(InboundKind.TEXT, text=text, **values))

    async def tap(self, label: str) -> list[Reply]:
        """Tap the shown button whose label starts with `label` (accents and case ignored)."""
        return await self.deliver(self._inbound(InboundKind.CHOICE, choice=self.button(label).data))

    async def tap_data(self, data: str) -> list[Reply]:
        return await self.deliver(self._inbound(InboundKind.CHOICE, choice=data))

    async def attach(self, filename: str, kind: str = "document", content: bytes = b"%PDF-1.4"):
        """Send a file as a transport does once it fetched it into the engine's store."""
        file_id = f"file-{filename}"
        path = self.engine.attachments.save(self.platform, file_id, filename, content)
        ref = AttachmentRef(
            platform_file_id=file_id, kind=kind, filename=filename, stored_path=str(path)
        )
        return await self.deliver(self._inbound(InboundKind.ATTACHMENT, attachment=ref))

    async def send_kind(self, kind: InboundKind, **values: object) -> list[Reply]:
        return await self.deliver(self._inbound(kind, **values))

    def button(self, label: str) -> Choice:
        wanted = normalise(label)
        for choice in self.choices:
            if normalise(choice.label.removeprefix("✓ ")).startswith(wanted):
                return choice
        labels = [choice.label for choice in self.choices]
        raise AssertionError(f"no button {label!r} among {labels}")

    @property
    def keys(self) -> list[str]:
        return [reply.key for reply in self.replies]

    @property
    def text(self) -> str:
        return "\n".join(reply.text for reply in self.replies)


LABELS = {
    "en": {
        "agree": "I agree",
        "yes_name": "Yes, you may name us",
        "publish": "Yes, publish them",
        "remind": "Yes, remind me",
    },
    "es": {
        "agree": "Acepto",
        "yes_name": "Sí, pueden nombrarnos",
        "publish": "Sí, publíquenlas",
        "remind": "Sí, recordarme",
    },
    "pt": {
        "agree": "Aceito",
        "yes_name": "Sim, podem nos citar",
        "publish": "Sim, podem publicar",
        "remind": "Sim, quero lembretes",
    },
    "fr": {
        "agree": "J'accepte",
        "yes_name": "Oui, vous pouvez nous nommer",
        "publish": "Oui, publiez-les",
        "remind": "Oui, me le rappeler",
    },
}
LANGUAGE_BUTTONS = {"en": "English", "es": "Español", "pt": "Português", "fr": "Français"}
DONE = ("Done", "Listo", "Pronto", "Terminé")


def make_engine(database: Database, pack: Pack, tmp_path: Any, **settings: Any) -> Engine:
    current = load_settings(
        database_url=database.url, attachments_dir=str(tmp_path / "files"), **settings
    )
    engine = Engine(database, pack, current)
    # A Dialog answers at machine speed, far past flood control's human pace; the flood tests
    # (tests/hardening/test_flood.py) put a real gate back.
    engine.flood = FloodGate(burst=1_000_000)
    return engine


async def register(
    dialog: Dialog, language: str = "en", country: str = "Chile", organization: str = "Red Migrante"
) -> None:
    """Walk the whole registration with typical answers."""
    labels = LABELS[language]
    await dialog.command("/start")
    await dialog.tap(LANGUAGE_BUTTONS[language])
    await dialog.tap(labels["agree"])
    await dialog.say(organization)
    await dialog.tap(dialog.choices[2].label)  # migrant-led organizations
    await dialog.say(country)
    await dialog.say("contact@example.org")
    await dialog.tap(labels["yes_name"])
    await dialog.tap(labels["publish"])
    await dialog.tap(labels["remind"])
    assert dialog.keys == ["registered"], dialog.keys


async def answer_current(dialog: Dialog, text: str = "An answer") -> list[str]:
    """Answer whatever question is shown, by its type, and return the reply keys.

    An option that asks for a text (a follow-up) gets `text` too.
    """
    kind = next(key for key in dialog.keys if key.startswith("ask.question.")).split(".")[-1]
    if kind == "text":
        await dialog.say(text)
        await dialog.tap(_done(dialog))
    elif kind in ("objectives", "multiple_choice"):
        await dialog.tap(dialog.choices[0].label)
        await dialog.tap(_done(dialog))
    elif kind == "single_choice":
        await dialog.tap(dialog.choices[0].label)
    elif kind == "attachment":
        await dialog.attach("evidence.pdf")
    elif kind == "pledge":
        await dialog.tap(dialog.choices[0].label)
        await dialog.say("Open a shelter network")
        await dialog.tap(dialog.choices[0].label)
        await dialog.tap(_done(dialog))
        await dialog.say("City of Santiago")
        await dialog.say("By December 2026")
    if "ask.follow_up" in dialog.keys:
        await dialog.say(text)
        await dialog.tap(_done(dialog))
    return dialog.keys


def _done(dialog: Dialog) -> str:
    """The Done button in whichever language the dialog speaks."""
    labels = {choice.label for choice in dialog.choices}
    return next(label for label in DONE if label in labels)


async def at_attachment_question(dialog: Dialog, registered: bool = False) -> None:
    """Register (unless done) and walk session 1 until its attachment question is asked."""
    if not registered:
        await register(dialog)
    await dialog.command("/consult inclusion")
    for _ in range(20):
        if "ask.question.attachment" in dialog.keys:
            return
        if "ask.question.text" in dialog.keys:
            await dialog.say("An answer")
            await dialog.tap("Done")
        else:
            await dialog.tap(dialog.choices[0].label)
            if any(choice.label == "Done" for choice in dialog.choices):
                await dialog.tap("Done")
    raise AssertionError(f"no attachment question: {dialog.keys}")
