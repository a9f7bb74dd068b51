"""Checks a pack needs beyond its field types, each reported with its path in the YAML.

Every text is a mapping from language code to text and must exist in every language the pack
declares; problems read like `sessions[2].questions[0].text.es: missing`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ValidationError

from bot.pack.model import (
    CONTACT,
    GCM_OBJECTIVE_COUNT,
    Event,
    LocalizedText,
    Pack,
    Question,
    RoadmapEvent,
    Session,
    is_country_code,
    parse_offset,
)


class PackError(Exception):
    """A pack that cannot be used; `problems` holds one line per problem, with its path."""

    def __init__(self, source: str, problems: list[str]) -> None:
        super().__init__(f"{source}: {len(problems)} problem(s)")
        self.source = source
        self.problems = problems


def _path(location: tuple[Any, ...]) -> str:
    text = ""
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _localized_fields(value: Any, path: str) -> Iterator[tuple[str, LocalizedText]]:
    """Walk a validated pack and yield every localized text with its YAML path."""
    if isinstance(value, BaseModel):
        for name, field in type(value).model_fields.items():
            child = getattr(value, name)
            child_path = f"{path}.{name}" if path else name
            if field.annotation in (LocalizedText, LocalizedText | None) and child is not None:
                yield child_path, child
            else:
                yield from _localized_fields(child, child_path)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _localized_fields(item, f"{path}[{index}]")


def _missing_languages(pack: Pack, path: str, localized: LocalizedText) -> Iterator[str]:
    for language in pack.languages:
        if not (localized.get(language) or "").strip():
            yield f"{path}.{language}: missing"


def _translation_problems(pack: Pack) -> Iterator[str]:
    for path, localized in _localized_fields(pack, ""):
        yield from _missing_languages(pack, path, localized)
        for language in localized:
            # Objective titles may carry more languages than the pack, ready for the next one.
            if language not in pack.languages and not path.startswith("objectives"):
                yield f"{path}.{language}: language not declared in languages"


def _offset_problems(offsets: list[str], path: str) -> Iterator[str]:
    for index, offset in enumerate(offsets):
        try:
            parse_offset(offset)
        except ValueError as error:
            yield f"{path}[{index}]: {error}"


def _duplicates(keys: list[Any]) -> set[Any]:
    seen: set[Any] = set()
    return {key for key in keys if key in seen or seen.add(key)}


def _consistency_problems(pack: Pack) -> Iterator[str]:
    if pack.default_language not in pack.languages:
        yield f"default_language: {pack.default_language!r} is not in languages"
    numbers = [objective.number for objective in pack.objectives]
    for number in sorted(set(range(1, GCM_OBJECTIVE_COUNT + 1)) - set(numbers)):
        yield f"objectives: objective {number} missing"
    for duplicate in _duplicates(numbers):
        yield f"objectives: objective {duplicate} appears twice"
    for index, objective in enumerate(pack.objectives):
        for language in objective.unverified:
            if language not in objective.title:
                yield f"objectives[{index}].unverified: no {language} title to verify"
        for language in objective.sources:
            if language not in objective.title:
                yield f"objectives[{index}].sources.{language}: no {language} title"
    for language, text in pack.privacy.notice.items():
        if CONTACT in text:
            yield f"privacy.notice.{language}: {CONTACT} needs privacy.contact"
    for index, session in enumerate(pack.sessions):
        for number in session.objectives:
            if number not in numbers:
                yield f"sessions[{index}].objectives: no objective {number}"
        for duplicate in _duplicates(session.objectives):
            yield f"sessions[{index}].objectives: objective {duplicate} appears twice"
        for duplicate in _duplicates([q.key for q in session.questions]):
            yield f"sessions[{index}].questions: key {duplicate!r} appears twice"
        for q_index, question in enumerate(session.questions):
            path = f"sessions[{index}].questions[{q_index}]"
            yield from _question_problems(pack, session, question, path)
    for name, keys in (
        ("sessions", [s.key for s in pack.sessions]),
        ("categories", [c.key for c in pack.categories]),
        ("subregions", [s.key for s in pack.subregions]),
        ("roadmap", [e.key for e in pack.roadmap]),
        ("subregions.countries", [c for s in pack.subregions for c in s.countries]),
    ):
        for duplicate in _duplicates(keys):
            yield f"{name}: {duplicate!r} appears twice"
    yield from _offset_problems(pack.reminder_offsets, "reminder_offsets")
    yield from _event_problems(pack.event)
    for index, event in enumerate(pack.roadmap):
        yield from _roadmap_problems(event, f"roadmap[{index}]")


def _question_problems(
    pack: Pack, session: Session, question: Question, path: str
) -> Iterator[str]:
    """What the question's type says of it: its own keys, options, and what it needs."""
    from bot.questions import KINDS

    kind = KINDS.get(question.type)
    if kind is None:
        yield f"{path}.type: unknown question type {question.type!r} (known: {', '.join(KINDS)})"
        return
    yield from _settings_problems(pack, lambda: kind.settings(question), path)
    for index, option in enumerate(question.options):
        yield from _settings_problems(
            pack, lambda option=option: kind.option_settings(option), f"{path}.options[{index}]"
        )
    for duplicate in _duplicates([option.key for option in question.options]):
        yield f"{path}.options: key {duplicate!r} appears twice"
    for problem in kind.problems(question, session, pack):
        yield f"{path}.{problem}"


def _settings_problems(pack: Pack, read: Callable[[], BaseModel], path: str) -> Iterator[str]:
    """A question type's own keys at `path` (on a question or an option), and their texts."""
    try:
        settings = read()
    except ValidationError as error:
        for item in error.errors():
            message = (
                "not a key of this question type"
                if item["type"] == "extra_forbidden"
                else item["msg"]
            )
            yield f"{path}.{_path(item['loc'])}: {message}"
    else:
        for field_path, localized in _localized_fields(settings, path):
            yield from _missing_languages(pack, field_path, localized)


def _event_problems(event: Event) -> Iterator[str]:
    if not is_country_code(event.country):
        yield f"event.country: unknown ISO 3166 code {event.country!r}"
    if event.end < event.start:
        yield "event.end: before event.start"
    for index, segment in enumerate(event.segments):
        path = f"event.segments[{index}]"
        if not event.start <= segment.date <= event.end:
            yield f"{path}.date: outside the event's dates"
        if segment.end is not None and not segment.date <= segment.end <= event.end:
            yield f"{path}.end: before its date or after the event"


def _day(value: dt.date | dt.datetime) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _roadmap_problems(event: RoadmapEvent, path: str) -> Iterator[str]:
    if event.reminders is not None:
        yield from _offset_problems(event.reminders, f"{path}.reminders")
        if not event.remind and event.reminders:
            yield f"{path}.reminders: remind is false, so these reminders would never go out"
    place = event.place
    if place.timezone:
        try:
            ZoneInfo(place.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            yield f"{path}.place.timezone: unknown time zone"
    if place.country is not None and not is_country_code(place.country):
        yield f"{path}.place.country: unknown ISO 3166 code {place.country!r}"
    if not place.virtual and place.city is None:
        yield f"{path}.place: give a city or virtual: true"
    if event.end is not None and _day(event.end) < _day(event.start):
        yield f"{path}.end: before start"
    if event.precision == "time" and not isinstance(event.start, dt.datetime):
        yield f"{path}.start: precision time needs a date and a time"
    if event.precision == "month":
        start, end = _day(event.start), _day(event.end) if event.end else None
        next_month = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        if start.day != 1:
            yield f"{path}.start: precision month starts on the 1st"
        if end is not None and end != next_month - dt.timedelta(days=1):
            yield f"{path}.end: precision month ends on the last day of the month"


def parse_pack(raw: Any, source: str = "pack") -> Pack:
    """Validate raw YAML data; raise PackError listing every problem with its path."""
    if not isinstance(raw, dict):
        raise PackError(source, ["(top level): expected a mapping"])
    try:
        pack = Pack.model_validate(raw)
    except ValidationError as error:
        problems = []
        for item in error.errors():
            message = "missing" if item["type"] == "missing" else item["msg"]
            problems.append(f"{_path(item['loc']) or '(top level)'}: {message}")
        raise PackError(source, problems) from None
    problems = [*_translation_problems(pack), *_consistency_problems(pack)]
    if problems:
        raise PackError(source, problems)
    return pack


def titles_to_confirm(pack: Pack) -> list[str]:
    """Objective titles an organizer should still check: unverified ones, then unsourced ones.

    One line per language of the pack, in the pack's order, such as `es unverified: 3, 15`.
    """
    unverified: dict[str, list[int]] = {}
    unsourced: dict[str, list[int]] = {}
    for objective in sorted(pack.objectives, key=lambda item: item.number):
        for language in pack.languages:
            if language in objective.unverified:
                unverified.setdefault(language, []).append(objective.number)
            elif language not in objective.sources:
                unsourced.setdefault(language, []).append(objective.number)
    lines = []
    for label, table in (("unverified", unverified), ("without a source", unsourced)):
        for language in sorted(table, key=pack.languages.index):
            numbers = ", ".join(str(number) for number in table[language])
            lines.append(f"{language} {label}: {numbers}")
    return lines
