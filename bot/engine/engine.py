"""The engine: one inbound update in, its replies out, everything in between in one transaction.

State, answers and the processed-update mark commit together, so a crash at any moment either
keeps all of an update's effects or none, and a redelivered update is ignored. Updates of one
stakeholder run one at a time in arrival order; a second process writing the same conversation
meanwhile makes our save fail on the row's version, and we run the update again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.attachments import AttachmentStore
from bot.core.flood import FloodGate, Verdict
from bot.core.i18n import translator
from bot.core.messages import Handled, Inbound, InboundKind, Outcome, Reply
from bot.core.ordering import Sequencer
from bot.core.settings import Settings
from bot.core.text import clean_inbound
from bot.engine.store import SqlStore
from bot.observability.updates import note_flow, note_outcome, observe_update
from bot.pack import Pack
from handlers.base import Context
from handlers.registry import FLOWS
from handlers.router import route
from storage.db import Database
from storage.roles import roles_from_settings
from storage.stakeholders import find_stakeholder, mark_processed, set_unreachable
from storage.state import StaleState, State, load_state, save_state, take_turn

log = logging.getLogger(__name__)
ATTEMPTS = 10
APOLOGY_LOOKUP = 1.0  # seconds the apology waits for the stakeholder's language
# What flood control does not count: the platform's notices about the person, and groups.
UNCOUNTED = frozenset({InboundKind.BLOCKED, InboundKind.UNBLOCKED, InboundKind.GROUP})


def _lost_connection(error: Exception) -> bool:
    """A pooled connection the database dropped (a restart): nothing of the update was kept."""
    return isinstance(error, DBAPIError) and error.connection_invalidated


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
        self.sequencer = Sequencer()
        self.flood = FloodGate()

    def ordered(self, platform: str, user_id: str) -> AbstractAsyncContextManager[None]:
        """Hold one person's turn: transports enter it when an update arrives."""
        return self.sequencer.ordered((platform, user_id))

    async def handle(self, inbound: Inbound) -> list[Reply]:
        """Handle one update and return its replies; never raises."""
        return (await self.process(inbound)).replies

    @observe_update
    async def process(self, inbound: Inbound) -> Handled:
        """Handle one update in its sender's turn; say whether it was committed."""
        inbound = clean_inbound(inbound)  # the one place text enters: cleaned for every platform
        if inbound.kind not in UNCOUNTED:
            verdict = self.flood.check((inbound.platform, inbound.user_id))
            if verdict != Verdict.ADMIT:
                return await self._throttled(inbound, verdict)
        seen: dict[str, str] = {}  # the stakeholder's language, once an attempt read it
        reconnected = False
        async with self.ordered(inbound.platform, inbound.user_id):
            for attempt in range(1, ATTEMPTS + 1):
                try:
                    return await self._once(inbound, seen)
                except (StaleState, IntegrityError) as error:
                    await asyncio.sleep(random.uniform(0, 0.02 * attempt))  # let the winner finish
                    log.info(
                        "update %s lost a race (%s), attempt %d",
                        inbound.update_id,
                        type(error).__name__,
                        attempt,
                    )
                except Exception as error:
                    if _lost_connection(error) and not reconnected:
                        log.warning("update %s: database connection lost; again", inbound.update_id)
                        reconnected = True
                        continue  # the pool dropped its stale connections: a fresh one now
                    log.exception("update %s from %s failed", inbound.update_id, inbound.platform)
                    return Handled([await self._apology(inbound, seen)], Outcome.FAILED)
            note_outcome("gave_up")
            log.error("update %s gave up after %d attempts", inbound.update_id, ATTEMPTS)
            return Handled([await self._apology(inbound, seen)], Outcome.FAILED)

    async def _throttled(self, inbound: Inbound, verdict: Verdict) -> Handled:
        """Set a flood's update aside, unstored; its sender is told once to slow down."""
        note_outcome("throttled")
        if verdict == Verdict.DROP:
            return Handled([], Outcome.THROTTLED)
        chosen = await self._chosen_language(inbound)
        t = translator(self.pack.language_for(chosen, inbound.locale_hint))
        text = t._(
            "You are sending messages faster than I can read them, so I set the last ones "
            "aside. Please wait a moment, then send again what I have not answered."
        )
        return Handled([Reply(text, key="flood.slow_down")], Outcome.THROTTLED)

    async def _apology(self, inbound: Inbound, seen: dict[str, str]) -> Reply:
        """Sorry, in the language the stakeholder chose (read again if the attempt did not)."""
        chosen = seen.get("language") or await self._chosen_language(inbound)
        return self._sorry(self.pack.language_for(chosen, inbound.locale_hint))

    async def _chosen_language(self, inbound: Inbound) -> str | None:
        """The stored language, if the database answers quickly; the failure may be its own."""
        try:
            async with asyncio.timeout(APOLOGY_LOOKUP), self.database.transaction() as session:
                known = await find_stakeholder(session, inbound.platform, inbound.user_id)
                return known.language if known else None
        except Exception:
            return None

    def _sorry(self, language: str) -> Reply:
        t = translator(self.pack.language_for(language, None))
        return Reply(
            t._(
                "Sorry, something went wrong on our side. Your saved answers are safe; "
                "please try again, or send /help."
            ),
            key="error.internal",
        )

    async def _once(self, inbound: Inbound, seen: dict[str, str]) -> Handled:
        async with self.database.transaction() as session:
            await take_turn(session, inbound.platform, inbound.user_id)
            if not await mark_processed(session, inbound.platform, inbound.update_id):
                log.info("update %s already processed", inbound.update_id)
                return Handled([], Outcome.DUPLICATE)
            if inbound.kind in (InboundKind.BLOCKED, InboundKind.UNBLOCKED):
                since = self.clock() if inbound.kind == InboundKind.BLOCKED else None
                await set_unreachable(session, inbound.platform, inbound.user_id, since)
                return Handled([])
            if inbound.kind == InboundKind.GROUP:
                return Handled(await self._group(session, inbound))
            state = await load_state(session, inbound.platform, inbound.user_id, inbound.chat_id)
            seen["language"] = state.stakeholder.language or ""
            ctx, store = self._context(session, inbound, state)
            note_flow(state.position.flow)  # where it arrived, in case the flow fails
            await route(ctx)
            note_flow(ctx.table or state.position.flow)
            if not store.erased:
                await save_state(session, state)
        left = [path for path in store.files_to_delete if not self.attachments.delete(path)]
        if left:  # told they are gone: the attachment sweep deletes them within the hour
            log.error("update %s: %d erased files not deleted yet", inbound.update_id, len(left))
        if store.erased:
            await self._after_erasure(inbound)
        return Handled(ctx.replies + await self._after_commit(inbound, store, ctx.language))

    async def _after_erasure(self, inbound: Inbound) -> None:
        """The erasure is committed; what only the database file may still hold goes too."""
        try:
            await self.database.after_erasure()
        except Exception:
            log.exception("update %s: the checkpoint after an erasure failed", inbound.update_id)

    def _context(
        self, session: AsyncSession, inbound: Inbound, state: State
    ) -> tuple[Context, SqlStore]:
        """What the flows see of the update: its state, the roles and a store."""
        settings = self.settings
        roles = roles_from_settings(
            settings.organizers, settings.rapporteurs, inbound.platform, inbound.user_id
        )
        now = self.clock()
        store = SqlStore(session, self.pack, state.stakeholder, now, settings.dashboard_url)
        ctx = Context(
            inbound=inbound,
            pack=self.pack,
            now=now,
            roles=frozenset(roles | state.stored_roles),
            stakeholder=state.stakeholder,
            position=state.position,
            store=store,
            flows=FLOWS,
        )
        return ctx, store

    async def _after_commit(self, inbound: Inbound, store: SqlStore, language: str) -> list[Reply]:
        """Deferred jobs (an export) read the committed database; their replies come after."""
        replies: list[Reply] = []
        for job in store.jobs:
            try:
                replies += await job.run(self.database, self.pack)
            except Exception:
                log.exception("deferred work of update %s failed", inbound.update_id)
                replies.append(self._sorry(language))
        return replies

    async def _group(self, session: AsyncSession, inbound: Inbound) -> list[Reply]:
        """Say once per group that the bot works in private chats; store nothing about anyone.

        A group's chat id must never replace a stakeholder's private one, and a channel must
        not get the notice on every post: a once-per-chat mark rides on processed updates.
        """
        if not await mark_processed(session, inbound.platform, f"group-notice:{inbound.chat_id}"):
            return []
        known = await find_stakeholder(session, inbound.platform, inbound.user_id)
        t = translator(
            self.pack.language_for(known.language if known else None, inbound.locale_hint)
        )
        text = t._("I work in private chats only. Please write to me directly.")
        return [Reply(text, key="group.private_only")]
