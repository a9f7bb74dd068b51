"""The engine: one inbound update in, its replies out, everything in between in one transaction.

State, answers and the processed-update mark commit together, so a crash at any moment either
keeps all of an update's effects or none, and a redelivered update is ignored. Updates of one
stakeholder run one at a time in arrival order; a second process writing the same conversation
meanwhile makes our commit fail on the row's version, and we run the update again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from bot.core.attachments import AttachmentStore
from bot.core.i18n import translator
from bot.core.messages import Inbound, InboundKind, Reply
from bot.core.settings import Settings
from bot.observability.updates import note_flow, note_outcome, observe_update
from bot.pack import Pack
from handlers.base import Context, Flow
from handlers.common import stale_button
from handlers.registry import COMMANDS, OPEN_FLOWS, build_flows
from storage.db import Database
from storage.roles import ORGANIZER, RAPPORTEUR, roles_from_settings, stored_roles
from storage.stakeholders import (
    find_stakeholder,
    get_or_create_conversation,
    get_or_create_stakeholder,
    mark_processed,
)

log = logging.getLogger(__name__)
ATTEMPTS = 10


class Engine:
    """Routes updates to flows; the only place that opens transactions for chat input."""

    def __init__(
        self,
        database: Database,
        pack: Pack,
        settings: Settings,
        attachments: AttachmentStore | None = None,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.database = database
        self.pack = pack
        self.settings = settings
        self.attachments = attachments or AttachmentStore(settings.attachments_dir)
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.flows: dict[str, Flow] = build_flows()
        self._locks: weakref.WeakValueDictionary[tuple[str, str], asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    def _lock(self, inbound: Inbound) -> asyncio.Lock:
        key = (inbound.platform, inbound.user_id)
        lock = self._locks.get(key)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[key] = lock
        return lock

    @observe_update
    async def handle(self, inbound: Inbound) -> list[Reply]:
        """Handle one update; never raises, so a transport can always answer something."""
        lock = self._lock(inbound)
        async with lock:
            for attempt in range(1, ATTEMPTS + 1):
                try:
                    return await self._handle_once(inbound)
                except (StaleDataError, IntegrityError) as error:
                    await asyncio.sleep(random.uniform(0, 0.02 * attempt))  # let the winner finish
                    log.info(
                        "update %s lost a race (%s), attempt %d",
                        inbound.update_id,
                        type(error).__name__,
                        attempt,
                    )
                except Exception:
                    note_outcome("error")
                    log.exception("update %s from %s failed", inbound.update_id, inbound.platform)
                    return [self._apology(inbound)]
            note_outcome("gave_up")
            log.error("update %s gave up after %d attempts", inbound.update_id, ATTEMPTS)
            return [self._apology(inbound)]

    def _apology(self, inbound: Inbound) -> Reply:
        language = (inbound.locale_hint or "")[:2]
        t = translator(language if language in self.pack.languages else self.pack.default_language)
        return Reply(
            t._(
                "Sorry, something went wrong on our side. Your saved answers are safe; "
                "please try again, or send /help."
            ),
            key="error.internal",
        )

    async def _handle_once(self, inbound: Inbound) -> list[Reply]:
        files_to_delete: list[str] = []
        async with self.database.transaction() as session:
            if not await mark_processed(session, inbound.platform, inbound.update_id):
                note_outcome("duplicate")
                log.info("update %s already processed", inbound.update_id)
                return []
            if inbound.kind in (InboundKind.BLOCKED, InboundKind.UNBLOCKED):
                stakeholder = await find_stakeholder(session, inbound.platform, inbound.user_id)
                if stakeholder is not None:
                    blocked = inbound.kind == InboundKind.BLOCKED
                    stakeholder.unreachable_since = self.clock() if blocked else None
                return []
            if inbound.kind == InboundKind.GROUP:
                return await self._group(session, inbound)
            stakeholder = await get_or_create_stakeholder(
                session, inbound.platform, inbound.user_id, inbound.chat_id
            )
            conversation = await get_or_create_conversation(session, stakeholder)
            roles = roles_from_settings(
                self.settings.organizers,
                self.settings.rapporteurs,
                inbound.platform,
                inbound.user_id,
            ) | await stored_roles(session, inbound.platform, inbound.user_id)
            ctx = Context(
                inbound=inbound,
                session=session,
                pack=self.pack,
                settings=self.settings,
                stakeholder=stakeholder,
                conversation=conversation,
                roles=frozenset(roles),
                now=self.clock(),
                services={"database": self.database, "attachments": self.attachments},
            )
            await self._route(ctx)
            if ctx.erased:
                session.expunge(conversation)
                session.expunge(stakeholder)
                files_to_delete = ctx.services.get("files_to_delete", [])
        _delete_files(files_to_delete)
        replies = list(ctx.replies)
        for work in ctx.after_commit:
            replies += await work()
        return replies

    async def _group(self, session: Any, inbound: Inbound) -> list[Reply]:
        """Say once per group that the bot works in private chats; store nothing about anyone.

        A group's chat id must never replace a stakeholder's private one, and a channel must
        not get the notice on every post: a once-per-chat mark rides on processed updates.
        """
        if not await mark_processed(session, inbound.platform, f"group-notice:{inbound.chat_id}"):
            return []
        known = await find_stakeholder(session, inbound.platform, inbound.user_id)
        hint = (inbound.locale_hint or "")[:2]
        language = known.language if known and known.language else hint
        return [self._private_only(language if language in self.pack.languages else None)]

    def _private_only(self, language: str | None) -> Reply:
        t = translator(language or self.pack.default_language)
        return Reply(
            t._("I work in private chats only. Please write to me directly."),
            key="group.private_only",
        )

    async def _route(self, ctx: Context) -> None:
        note_flow(ctx.conversation.flow)
        inbound = ctx.inbound
        if inbound.kind == InboundKind.CHOICE and (inbound.choice or "").startswith("/"):
            command, _, args = inbound.choice[1:].partition(" ")
            ctx.inbound = _as_command(inbound, command, args)
        if ctx.inbound.kind == InboundKind.COMMAND:
            await self._command(ctx)
            return
        if not ctx.registered and ctx.conversation.flow not in OPEN_FLOWS:
            note_flow("registration")
            await self.flows["registration"].start(ctx)
            return
        flow = self.flows.get(ctx.conversation.flow, self.flows["idle"])
        if inbound.kind == InboundKind.CHOICE and not _current(ctx) and flow.name != "idle":
            stale_button(ctx)
            await flow.prompt(ctx)
            return
        await flow.handle(ctx)

    async def _command(self, ctx: Context) -> None:
        t = ctx.t
        name = ctx.inbound.command or ""
        command = COMMANDS.get(name)
        if command is None or command.flow not in self.flows:
            ctx.say(
                t._(
                    "I don't know the command /{command}. Send /help to see what I can do.",
                    command=name[:32],
                ),
                key="error.unknown_command",
            )
            return
        note_flow(command.flow)
        if command.roles and not (command.roles & ctx.roles):
            ctx.say(_refusal(ctx, name, command.roles), key="error.forbidden")
            return
        if command.registered and not ctx.registered:
            ctx.say(t._("First, a short registration."), key="register.first")
            await self.flows["registration"].start(ctx)
            return
        await self.flows[command.flow].start(ctx)


def _refusal(ctx: Context, command: str, roles: frozenset[str]) -> str:
    t = ctx.t
    if roles == {RAPPORTEUR}:
        return t._("Sorry, /{command} is only for the consultation's rapporteur.", command=command)
    if roles == {ORGANIZER}:
        return t._("Sorry, /{command} is only for the consultation's organizers.", command=command)
    return t._(
        "Sorry, /{command} is only for the consultation's organizers and rapporteur.",
        command=command,
    )


def _current(ctx: Context) -> bool:
    """Whether a tapped button belongs to the step the stakeholder is on."""
    data = ctx.inbound.choice or ""
    token, separator, _ = data.partition(":")
    return bool(separator) and token == ctx.token


def _as_command(inbound: Inbound, command: str, args: str) -> Inbound:
    from dataclasses import replace

    return replace(inbound, kind=InboundKind.COMMAND, command=command.lower(), args=args)


def _delete_files(paths: list[str]) -> None:
    for path in paths:
        try:
            Path(path).unlink(missing_ok=True)
        except OSError:
            log.warning("could not delete an erased stakeholder's file")
