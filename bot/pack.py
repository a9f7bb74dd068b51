"""The consultation as data: a YAML pack validated by pydantic.

A new regional review is a new pack, not new code. Every text is a mapping from language code to
text and must exist in every language the pack declares; `check_pack` reports each problem with
its path in the YAML (`sessions[2].questions[0].text.es: missing`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

PACKS_DIR = Path(__file__).parent / "packs"
GCM_OBJECTIVE_COUNT = 23

LocalizedText = dict[str, str]


class PackError(Exception):
    """A pack that cannot be used; `problems` holds one line per problem, with its path."""

    def __init__(self, source: str, problems: list[str]) -> None:
        super().__init__(f"{source}: {len(problems)} problem(s)")
        self.source = source
        self.problems = problems


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class QuestionType(StrEnum):
    TEXT = "text"
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    OBJECTIVES = "objectives"
    ATTACHMENT = "attachment"
    PLEDGE = "pledge"


class Option(Model):
    key: str = Field(pattern=r"^[a-z0-9_-]{1,24}$")
    label: LocalizedText


class Question(Model):
    key: str = Field(pattern=r"^[a-z0-9_-]{1,24}$")
    type: QuestionType = QuestionType.TEXT
    text: LocalizedText
    help: LocalizedText | None = None
    optional: bool = False
    options: list[Option] = Field(default_factory=list)
    max_length: int = Field(default=20_000, ge=1, le=200_000)
    source: str | None = None  # where in the concept note the question comes from


class Session(Model):
    """A thematic session of the review, or the general questions (no objectives)."""

    key: str = Field(pattern=r"^[a-z0-9_-]{1,24}$")
    number: int | None = None
    title: LocalizedText
    short_title: LocalizedText | None = None
    objectives: list[int] = Field(default_factory=list)
    intro: LocalizedText | None = None
    questions: list[Question]


class Objective(Model):
    number: int = Field(ge=1, le=GCM_OBJECTIVE_COUNT)
    title: LocalizedText
    short: LocalizedText
    unverified: list[str] = Field(
        default_factory=list
    )  # languages whose title awaits an official source


class Subregion(Model):
    key: str = Field(pattern=r"^[a-z0-9_-]{1,24}$")
    name: LocalizedText
    countries: list[str]  # ISO 3166-1 alpha-2; names come from pycountry

    @field_validator("countries")
    @classmethod
    def _known_codes(cls, codes: list[str]) -> list[str]:
        unknown = [code for code in codes if not is_country_code(code)]
        if unknown:
            raise ValueError(f"unknown ISO 3166 codes: {', '.join(unknown)}")
        return codes


class Category(Model):
    key: str = Field(pattern=r"^[a-z0-9_-]{1,24}$")
    name: LocalizedText
    described_as: LocalizedText  # how the report names an organization that withheld attribution


def _moment(value: Any) -> dt.date | dt.datetime:
    """Accept a date or a date and time as one type, so a bad value is one problem, not two."""
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        for parse in (dt.date.fromisoformat, dt.datetime.fromisoformat):
            try:
                return parse(value)
            except ValueError:
                pass
    raise ValueError("expected a date such as 2025-03-18 or a date and time 2025-03-18T09:00")


Moment = Annotated[dt.date | dt.datetime, BeforeValidator(_moment)]


class Place(Model):
    virtual: bool = False
    city: LocalizedText | None = None
    country: str | None = None
    timezone: str | None = None  # the venue's zone; the event's zone when absent


class RoadmapEvent(Model):
    key: str = Field(pattern=r"^[a-z0-9_-]{1,40}$")
    title: LocalizedText
    start: Moment
    end: Moment | None = None
    precision: str = Field(default="day", pattern=r"^(day|month|time)$")
    place: Place
    audience: LocalizedText | None = None
    reminders: list[str] | None = None  # offsets such as 7d, 1d, 1h; the pack default when absent


class Segment(Model):
    key: str
    title: LocalizedText
    date: dt.date
    end: dt.date | None = None
    description: LocalizedText | None = None


class Event(Model):
    name: LocalizedText
    short_name: LocalizedText
    venue: LocalizedText
    city: LocalizedText
    country: str
    timezone: str
    start: dt.date
    end: dt.date
    segments: list[Segment] = Field(default_factory=list)
    report_to: LocalizedText | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {name!r}") from None
        return name


class Privacy(Model):
    version: str
    notice: LocalizedText
    attribution: LocalizedText
    contact: str | None = None


class Pack(Model):
    id: str = Field(pattern=r"^[a-z0-9_-]{1,40}$")
    version: str
    default_language: str
    languages: list[str] = Field(min_length=1)
    event: Event
    privacy: Privacy
    objectives: list[Objective]
    subregions: list[Subregion]
    allow_other_country: bool = True
    categories: list[Category]
    sessions: list[Session]
    roadmap: list[RoadmapEvent]
    reminder_offsets: list[str] = Field(default_factory=lambda: ["7d", "1d", "1h"])

    def text(self, localized: LocalizedText | None, language: str | None) -> str:
        """The text in `language`, else in the pack's default language."""
        if not localized:
            return ""
        if language and language in localized:
            return localized[language]
        return localized.get(self.default_language) or next(iter(localized.values()))

    @cached_property
    def objectives_by_number(self) -> dict[int, Objective]:
        return {objective.number: objective for objective in self.objectives}

    @cached_property
    def sessions_by_key(self) -> dict[str, Session]:
        return {session.key: session for session in self.sessions}

    @cached_property
    def categories_by_key(self) -> dict[str, Category]:
        return {category.key: category for category in self.categories}

    @cached_property
    def subregion_of_country(self) -> dict[str, str]:
        return {code: sub.key for sub in self.subregions for code in sub.countries}

    @cached_property
    def subregions_by_key(self) -> dict[str, Subregion]:
        return {sub.key: sub for sub in self.subregions}

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.event.timezone)

    def roadmap_digest(self) -> str:
        """A fingerprint of the roadmap, so a changed pack can be told to subscribers once."""
        events = [event.model_dump(mode="json") for event in self.roadmap]
        return hashlib.sha256(json.dumps(events, sort_keys=True).encode()).hexdigest()


def is_country_code(code: str) -> bool:
    """An upper-case ISO 3166-1 alpha-2 code; pycountry alone would also accept `ar`."""
    import pycountry

    if len(code) != 2 or not code.isupper():
        return False
    return pycountry.countries.get(alpha_2=code) is not None


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


def _translation_problems(pack: Pack) -> Iterator[str]:
    for path, localized in _localized_fields(pack, ""):
        for language in pack.languages:
            if not (localized.get(language) or "").strip():
                yield f"{path}.{language}: missing"
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
            choice = question.type in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE)
            if choice and len(question.options) < 2:
                yield f"{path}.options: a choice question needs at least two options"
            if not choice and question.options:
                yield f"{path}.options: only a choice question has options"
            for duplicate in _duplicates([option.key for option in question.options]):
                yield f"{path}.options: key {duplicate!r} appears twice"
            if question.type == QuestionType.OBJECTIVES and not session.objectives:
                yield f"{path}.type: objectives tagging needs session objectives"
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


def parse_offset(offset: str) -> dt.timedelta:
    """Turn `7d`, `1d`, `1h` or `30m` into a duration."""
    units = {"d": "days", "h": "hours", "m": "minutes"}
    number, unit = offset[:-1], offset[-1:]
    if unit not in units or not number.isdigit():
        raise ValueError(f"{offset!r} is not an offset such as 7d, 1d, 1h or 30m")
    return dt.timedelta(**{units[unit]: int(number)})


def resolve_pack_path(name_or_path: str) -> Path:
    """A bundled pack by name (`lac-2025`), or a path to a YAML file."""
    candidate = Path(name_or_path)
    if candidate.suffix in (".yaml", ".yml") or candidate.exists():
        return candidate
    return PACKS_DIR / f"{name_or_path}.yaml"


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


def load_pack(name_or_path: str) -> Pack:
    """Read and validate a pack; raise PackError on any problem."""
    path = resolve_pack_path(name_or_path)
    if not path.exists():
        raise PackError(str(path), [f"no pack at {path}"])
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise PackError(str(path), [f"(yaml): {error}".replace("\n", " ")]) from None
    except (OSError, UnicodeDecodeError) as error:
        raise PackError(str(path), [f"(file): cannot read {path}: {error}"]) from None
    return parse_pack(raw, str(path))
