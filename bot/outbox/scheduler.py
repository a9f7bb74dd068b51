"""Roadmap reminders and roadmap-change notices, queued in the outbox for the sender to deliver.

Every tick looks at each roadmap event × reminder offset. A reminder is due from `start - offset`
for a grace window of a quarter of the offset, at most six hours (so a 1h reminder may go out up
to 15 minutes late, a 1d or 7d one up to 6 hours late), and never once the event has started: a
bot that was down longer skips that reminder rather than send a stale one. Keys in the outbox make
every tick, replica and restart queue each reminder once per stakeholder.

Events without a time of day (`precision: day` or `month`) are reminded only at whole-day offsets,
counted from 09:00 at the venue on their start date, and worded as the day or the month. Events
marked `remind: false` are never reminded.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.core.i18n import Translator, translator
from bot.domain.roadmap import event_zone, place_text, when_text
from bot.domain.timezones import country_zone
from bot.observability.metrics import record_tick
from bot.outbox.sender import Clock, SystemClock
from bot.pack import Pack, RoadmapEvent, parse_offset
from storage import outbox
from storage.broadcasts import Audience, Recipient, effective_language, recipients
from storage.db import Database
from storage.leases import hold
from storage.roadmap import latest_snapshot, record_snapshot

log = logging.getLogger(__name__)
LEASE = "scheduler"

GRACE_CAP = dt.timedelta(hours=6)
DAY_EVENT_TIME = dt.time(9, 0)  # the moment a day- or month-precision event is counted from
SUBSCRIBERS = Audience(reminders=True)


def grace(offset: dt.timedelta) -> dt.timedelta:
    """How late a reminder may still go out: a quarter of its offset, at most six hours."""
    return min(offset / 4, GRACE_CAP)


def has_time(event: RoadmapEvent) -> bool:
    return event.precision == "time" and isinstance(event.start, dt.datetime)


def event_start(pack: Pack, event: RoadmapEvent) -> dt.datetime:
    """The event's start as an aware moment; date-only events count from 09:00 at the venue."""
    zone = ZoneInfo(event_zone(pack, event))
    if isinstance(event.start, dt.datetime):
        start = event.start
        return start if start.tzinfo else start.replace(tzinfo=zone)
    return dt.datetime.combine(event.start, DAY_EVENT_TIME, tzinfo=zone)


def offsets(pack: Pack, event: RoadmapEvent) -> list[str]:
    """The event's reminder offsets; whole days only for events without a time.

    None for an event marked `remind: false` (one for Member States only, say): /roadmap shows
    it, but stakeholders are never reminded of it.
    """
    if not event.remind:
        return []
    chosen = event.reminders if event.reminders is not None else pack.reminder_offsets
    if has_time(event):
        return list(chosen)
    return [o for o in chosen if parse_offset(o) % dt.timedelta(days=1) == dt.timedelta(0)]


@dataclass(frozen=True)
class DueReminder:
    """One event × offset whose reminder should be queued now."""

    event: RoadmapEvent
    offset: str
    starts: dt.datetime


def due_reminders(pack: Pack, now: dt.datetime) -> Iterator[DueReminder]:
    """Reminders whose moment has come, within their grace window, for events not yet started."""
    for event in pack.roadmap:
        starts = event_start(pack, event)
        for offset in offsets(pack, event):
            delta = parse_offset(offset)
            moment = starts - delta
            if moment <= now < min(moment + grace(delta), starts):
                yield DueReminder(event, offset, starts)


def reminder_text(t: Translator, pack: Pack, event: RoadmapEvent, zone: str) -> str:
    """The reminder in the reader's language, with the time in their zone beside the venue's."""
    title = pack.text(event.title, t.language)
    when = when_text(pack, event, t, zone)
    if event.precision == "month":
        text = t._("Reminder: {title} takes place in {month}", title=title, month=when)
    else:
        text = t._("Reminder: {title} starts {when}", title=title, when=when)
    where = place_text(pack, event, t, t.language)
    if not where:
        return text
    return text + "\n" + t._("Where: {place}", place=where)


def reader(pack: Pack, recipient: Recipient) -> tuple[Translator, str]:
    """The recipient's translator and time zone (their country's, else the event's)."""
    language = effective_language(recipient.language, pack.languages, pack.default_language)
    return translator(language), country_zone(recipient.country, pack.event.timezone)


@dataclass
class TickReport:
    """What one tick queued."""

    reminders: int = 0
    changes: int = 0


class ReminderScheduler:
    """Queues due reminders and roadmap-change notices; safe to run in every replica."""

    def __init__(
        self,
        database: Database,
        pack: Pack | Callable[[], Pack],
        clock: Clock | None = None,
        interval: float = 60.0,
    ) -> None:
        self.database = database
        self._pack = pack
        self.clock = clock or SystemClock()
        self.interval = interval
        self.owner = f"scheduler-{uuid.uuid4().hex[:12]}"

    @property
    def pack(self) -> Pack:
        """The current pack; a callable source lets a reloaded pack take effect."""
        return self._pack() if callable(self._pack) else self._pack

    async def run(self) -> None:
        """Tick until cancelled, while this replica holds the scheduler's lease.

        One replica leads; another takes over within three intervals of its last renewal.
        Reminders are idempotent anyway (their outbox keys), the lease saves the others the work.
        """
        while True:
            try:
                if await self.leading():
                    await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("reminder scheduler: tick failed; trying again next interval")
            await self.clock.sleep(self.interval)

    async def leading(self) -> bool:
        """Take or renew the lease; True while this scheduler is the one that ticks."""
        async with self.database.transaction() as session:
            now = self.clock.now().timestamp()
            return await hold(session, LEASE, self.owner, now, 3 * self.interval)

    async def tick(self) -> TickReport:
        """Announce a changed roadmap, then queue the reminders due now."""
        pack, now = self.pack, self.clock.now()
        changes = await self.announce_roadmap_changes(pack, now)
        reminders = await self.queue_reminders(pack, now)
        record_tick(reminders, changes)
        return TickReport(reminders=reminders, changes=changes)

    async def queue_reminders(self, pack: Pack, now: dt.datetime) -> int:
        due = list(due_reminders(pack, now))
        if not due:
            return 0
        async with self.database.transaction() as session:
            subscribers = await recipients(session, SUBSCRIBERS, pack.default_language)
            messages = [_reminder(pack, item, r) for item in due for r in subscribers]
            return await outbox.enqueue(session, messages, now)

    async def announce_roadmap_changes(self, pack: Pack, now: dt.datetime) -> int:
        """Tell subscribers once what changed since the roadmap last announced; 0 when nothing."""
        digest = pack.roadmap_digest()
        async with self.database.transaction() as session:
            previous = await latest_snapshot(session, pack.id)
            if previous is not None and previous.digest == digest:
                return 0
            current = [event.model_dump(mode="json") for event in pack.roadmap]
            await record_snapshot(session, pack.id, digest, current, now)
            if previous is None:
                return 0  # the first run only records what there is
            change = diff_roadmap(pack, _events(previous.events), now)
            if change.empty:
                return 0
            subscribers = await recipients(session, SUBSCRIBERS, pack.default_language)
            key = f"roadmap:{pack.id}:{previous.digest[:16]}-{digest[:16]}"
            messages = [_change(pack, key, change, r) for r in subscribers]
            return await outbox.enqueue(session, messages, now)


def _reminder(pack: Pack, item: DueReminder, recipient: Recipient) -> outbox.NewMessage:
    t, zone = reader(pack, recipient)
    key = f"reminder:{pack.id}:{item.event.key}:{item.offset}"
    return outbox.message_to(recipient, key, "reminder", reminder_text(t, pack, item.event, zone))


def _change(pack: Pack, key: str, change: RoadmapChange, recipient: Recipient) -> outbox.NewMessage:
    t, zone = reader(pack, recipient)
    return outbox.message_to(recipient, key, "roadmap_change", change_text(t, pack, change, zone))


@dataclass(frozen=True)
class RoadmapChange:
    """What changed in the roadmap, limited to events that have not yet begun."""

    added: tuple[RoadmapEvent, ...] = ()
    removed: tuple[RoadmapEvent, ...] = ()
    moved: tuple[RoadmapEvent, ...] = ()  # new date, time or place
    updated: tuple[RoadmapEvent, ...] = ()  # same moment and place, other details

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.moved or self.updated)


def _events(stored: list[dict[str, object]]) -> list[RoadmapEvent]:
    return [RoadmapEvent.model_validate(item) for item in stored]


def diff_roadmap(pack: Pack, before: list[RoadmapEvent], now: dt.datetime) -> RoadmapChange:
    """Compare the announced roadmap with the pack's, ignoring events already started."""
    old = {event.key: event for event in before}
    new = {event.key: event for event in pack.roadmap}

    def ahead(event: RoadmapEvent) -> bool:
        return event_start(pack, event) > now

    when = ("start", "end", "precision", "place")
    changed = [e for k, e in new.items() if k in old and e != old[k]]
    moved = [e for e in changed if any(getattr(e, f) != getattr(old[e.key], f) for f in when)]
    return RoadmapChange(
        added=tuple(e for k, e in new.items() if k not in old and ahead(e)),
        removed=tuple(e for k, e in old.items() if k not in new and ahead(e)),
        moved=tuple(e for e in moved if ahead(e) or ahead(old[e.key])),
        updated=tuple(e for e in changed if e not in moved and ahead(e)),
    )


def change_text(t: Translator, pack: Pack, change: RoadmapChange, zone: str) -> str:
    """One notice listing every change, each event with its (new) date in the reader's zone."""

    def title(event: RoadmapEvent) -> str:
        return pack.text(event.title, t.language)

    def when(event: RoadmapEvent) -> str:
        return when_text(pack, event, t, zone)

    lines = [t._("The roadmap has changed:")]
    lines += [t._("New: {title}, {when}", title=title(e), when=when(e)) for e in change.added]
    lines += [t._("Moved: {title}, now {when}", title=title(e), when=when(e)) for e in change.moved]
    lines += [t._("Updated: {title}, {when}", title=title(e), when=when(e)) for e in change.updated]
    lines += [t._("Cancelled: {title}", title=title(e)) for e in change.removed]
    lines.append(t._("Send /roadmap to see the whole roadmap."))
    return "\n".join(lines)
