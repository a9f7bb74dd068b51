"""The roadmap's events as moments in time: when they start, how to show them, and as iCalendar."""

from __future__ import annotations

import calendar
import datetime as dt
from zoneinfo import ZoneInfo

from bot.core.i18n import Translator
from bot.pack import Pack, RoadmapEvent


def event_zone(pack: Pack, event: RoadmapEvent) -> str:
    return event.place.timezone or pack.event.timezone


def _as_moment(value: dt.date | dt.datetime, zone: str) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=ZoneInfo(zone))
    return dt.datetime.combine(value, dt.time(0, 0), tzinfo=ZoneInfo(zone))


def starts_at(pack: Pack, event: RoadmapEvent) -> dt.datetime:
    return _as_moment(event.start, event_zone(pack, event))


def ends_at(pack: Pack, event: RoadmapEvent) -> dt.datetime:
    """When the event is over: its end, or the end of its start day (or month)."""
    zone = event_zone(pack, event)
    if event.end is not None:
        end = _as_moment(event.end, zone)
        return end if isinstance(event.end, dt.datetime) else end + dt.timedelta(days=1)
    start = starts_at(pack, event)
    if event.precision == "month":
        last = calendar.monthrange(start.year, start.month)[1]
        return start.replace(day=last) + dt.timedelta(days=1)
    if event.precision == "day":
        return start + dt.timedelta(days=1)
    return start + dt.timedelta(hours=2)


def upcoming(pack: Pack, now: dt.datetime) -> list[RoadmapEvent]:
    return [event for event in pack.roadmap if ends_at(pack, event) > now]


def past(pack: Pack, now: dt.datetime) -> list[RoadmapEvent]:
    return [event for event in pack.roadmap if ends_at(pack, event) <= now]


def when_text(pack: Pack, event: RoadmapEvent, t: Translator, viewer_zone: str) -> str:
    """The date, and for timed events the time in the viewer's zone beside the venue's."""
    zone = event_zone(pack, event)
    start = starts_at(pack, event)
    if event.precision == "month":
        return t.month(start.date())
    if event.precision == "day":
        text = t.date(start.date())
        if event.end is not None and event.end != event.start:
            end = event.end.date() if isinstance(event.end, dt.datetime) else event.end
            text = t._("{start} to {end}", start=text, end=t.date(end))
        return text
    venue = t._("{time} in {place}", time=t.time(start, zone), place=t.zone_name(zone))
    if start.astimezone(ZoneInfo(viewer_zone)).utcoffset() == start.utcoffset():
        return f"{t.date(start.astimezone(ZoneInfo(zone)).date())}, {venue}"
    mine = t._(
        "{time} your time ({place})",
        time=t.time(start, viewer_zone),
        place=t.zone_name(viewer_zone),
    )
    local_day = start.astimezone(ZoneInfo(viewer_zone)).date()
    return f"{t.date(local_day)}, {mine} · {venue}"


def place_text(pack: Pack, event: RoadmapEvent, t: Translator, language: str) -> str:
    if event.place.virtual:
        return t._("online")
    city = pack.text(event.place.city, language)
    if event.place.country:
        from bot.domain.countries import country_name

        return f"{city}, {country_name(event.place.country, language)}"
    return city


def calendar_file(pack: Pack, language: str) -> bytes:
    """Every roadmap event as an .ics file a phone's calendar can import."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//consultbot//roadmap//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", pack.text(pack.event.short_name, language))
    for item in pack.roadmap:
        event = Event()
        event.add("uid", f"{pack.id}-{item.key}@consultbot")
        event.add("summary", pack.text(item.title, language))
        start = starts_at(pack, item)
        if item.precision == "time":
            event.add("dtstart", start)
            event.add("dtend", ends_at(pack, item))
        else:
            event.add("dtstart", start.date())
            event.add("dtend", ends_at(pack, item).date())
        if item.place.virtual:
            event.add("location", "Online")
        elif item.place.city:
            event.add("location", pack.text(item.place.city, language))
        event.add("dtstamp", dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
        cal.add_component(event)
    return cal.to_ical()
