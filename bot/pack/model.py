"""The consultation as data: the pydantic model of a pack, field by field.

A new regional review is a new pack, not new code. What pydantic cannot check field by field
(every text in every language, keys that must exist elsewhere) is in `bot.pack.validation`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from enum import StrEnum
from functools import cached_property
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

GCM_OBJECTIVE_COUNT = 23

LocalizedText = dict[str, str]
# Where a text was read, by language: not a LocalizedText, so it need not cover every language.
SourceNotes = dict[str, Annotated[str, Field(min_length=1)]]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class QuestionType(StrEnum):
    """Names of the question types some code singles out (the report counts choices and
    objectives; pledges have a section of their own).

    The types themselves live in `bot.questions.kinds`; a pack may use any type found there,
    and a new type needs no name here.
    """

    TEXT = "text"
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    OBJECTIVES = "objectives"
    ATTACHMENT = "attachment"
    PLEDGE = "pledge"


class Option(Model):
    """An option of a choice question; keys beyond these belong to its type (a `follow_up`)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    key: str = Field(pattern=r"^[a-z0-9_-]{1,24}$")
    label: LocalizedText


class Question(Model):
    """A question of a session; keys beyond these belong to its type (checked by the type)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    key: str = Field(pattern=r"^[a-z0-9_-]{1,24}$")
    type: str = Field(default="text", pattern=r"^[a-z0-9_]{1,32}$")
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
    """A GCM objective: its title in the wording of A/RES/73/195 and a short label for buttons."""

    number: int = Field(ge=1, le=GCM_OBJECTIVE_COUNT)
    title: LocalizedText
    short: LocalizedText
    # Languages whose title awaits an official source: `consultbot pack check` lists them.
    unverified: list[str] = Field(default_factory=list)
    # Where each language's title was read (a document and page, or an address), so an
    # organizer can check it; for an unverified title, where the best rendering came from.
    sources: SourceNotes = Field(default_factory=dict)


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
    # false: shown on /roadmap but never reminded, e.g. an event for Member States only.
    remind: bool = True


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


CONTACT = "{contact}"


class Privacy(Model):
    """The notice a stakeholder consents to; `{contact}` in it is replaced by `contact`.

    `attribution` asks whether the report may name the organization; `publication` asks,
    separately, whether the organizers may publish the stakeholder's full answers (a generic
    question from the catalogs is asked when the pack does not word it).
    """

    version: str
    notice: LocalizedText
    attribution: LocalizedText
    publication: LocalizedText | None = None
    contact: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _fill_contact(cls, data: Any) -> Any:
        """Write the contact address once in the pack, wherever the notice names it."""
        if not isinstance(data, dict) or not isinstance(data.get("notice"), dict):
            return data
        contact = data.get("contact")
        if not isinstance(contact, str) or not contact:
            return data
        notice = {
            language: text.replace(CONTACT, contact) if isinstance(text, str) else text
            for language, text in data["notice"].items()
        }
        return {**data, "notice": notice}


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

    def hinted_language(self, hint: str | None) -> str | None:
        """The pack's language a platform's locale names ('pt-BR', 'ES', 'fr_HT'), if any."""
        code = (hint or "").replace("_", "-").split("-")[0].strip().lower()
        return code if code in self.languages else None

    def language_for(self, chosen: str | None, hint: str | None) -> str:
        """What to speak: the language the person chose, else their platform's, else the
        pack's default (a chosen language the pack no longer has counts as none)."""
        if chosen and chosen in self.languages:
            return chosen
        return self.hinted_language(hint) or self.default_language

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


def parse_offset(offset: str) -> dt.timedelta:
    """Turn `7d`, `1d`, `1h` or `30m` into a duration."""
    units = {"d": "days", "h": "hours", "m": "minutes"}
    number, unit = offset[:-1], offset[-1:]
    if unit not in units or not number.isdigit():
        raise ValueError(f"{offset!r} is not an offset such as 7d, 1d, 1h or 30m")
    return dt.timedelta(**{units[unit]: int(number)})
