"""What a question type is: its answer value, how it is shown, parsed and described.

Every type is one module in `bot/questions/kinds/` defining a `QuestionKind`. Everything here is
pure: a kind reads an `Asked` (the question as one stakeholder meets it now) and an `AnswerInput`
(what they did), and returns values; the consultation flow turns those into replies and effects.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from bot.core.i18n import Translator
from bot.core.messages import AttachmentRef, InboundKind
from bot.core.text import normalise
from bot.pack.model import LocalizedText, Pack, Question, Session
from bot.pack.model import Option as PackOption

Option = tuple[str, str]  # (value carried by the button, label shown)
Cell = str | int | float | bool | None


class Value(BaseModel):
    """A stored answer, typed; `stored()` is the JSON kept in the answers table."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    def stored(self) -> dict[str, Any]:
        """The JSON kept in the answers table: the question's type says which model it is."""
        return self.model_dump(mode="json", exclude={"type"})


class Skipped(Value):
    """An optional question the stakeholder chose to skip."""

    type: Literal["skipped"] = "skipped"
    skipped: Literal[True] = True


class Unreadable(Value):
    """Stored JSON that fits no type of its question (the pack changed since): shown raw."""

    type: Literal["unreadable"] = "unreadable"
    raw: Any

    def stored(self) -> dict[str, Any]:
        return dict(self.raw) if isinstance(self.raw, dict) else {"raw": self.raw}


class Settings(BaseModel):
    """A kind's own keys on a pack question (none by default); unknown keys are refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")


@dataclass(frozen=True)
class AnswerInput:
    """What the stakeholder did at a question, reduced to what parsing needs."""

    kind: InboundKind
    text: str = ""
    chosen: str | None = None  # the value of a button of this step (stale ones never get here)
    attachment: AttachmentRef | None = None
    message_ref: str | None = None

    @property
    def typed(self) -> str | None:
        """The text typed, when the input is typed text."""
        return self.text if self.kind == InboundKind.TEXT else None


@dataclass(frozen=True)
class Asked:
    """A question as one stakeholder meets it now: pack, wording language, answer in progress."""

    pack: Pack
    session: Session
    question: Question
    t: Translator
    state: Mapping[str, Any] = field(default_factory=dict)

    @property
    def language(self) -> str:
        return self.t.language

    def text(self, localized: LocalizedText | None) -> str:
        return self.pack.text(localized, self.language)

    def option_label(self, key: str) -> str:
        option = next((o for o in self.question.options if o.key == key), None)
        return self.text(option.label) if option else key

    def objective_label(self, number: int) -> str:
        objective = self.pack.objectives_by_number.get(number)
        return f"{number} · {self.text(objective.short)}" if objective else str(number)


@dataclass(frozen=True)
class Notice:
    """A short reply at a step, with its own buttons (Done, Start over)."""

    text: str
    key: str
    options: tuple[Option, ...] = ()


@dataclass(frozen=True)
class Answered:
    """The answer is complete: save it (and the file it refers to, if any)."""

    value: Value
    attachment: AttachmentRef | None = None


@dataclass(frozen=True)
class Progress:
    """More is coming: keep `state` in the draft; say `notice`, or ask the question again."""

    state: Mapping[str, Any]
    notice: Notice | None = None


@dataclass(frozen=True)
class Expected:
    """Input of the wrong kind: say what this question expects; nothing changes."""

    what: str


@dataclass(frozen=True)
class Refused:
    """Input of the right kind that cannot be taken (too long, nothing chosen); nothing changes."""

    text: str
    key: str
    options: tuple[Option, ...] = ()


Parsed = Answered | Progress | Expected | Refused


@dataclass(frozen=True)
class Shown:
    """How the question is shown now: an instruction and the buttons that answer it.

    A kind with steps of its own (a pledge) sets `step`: its `text` is then the whole message,
    without the question's heading or the Back/Skip buttons, and every input goes to the kind.
    """

    instruction: str
    options: tuple[Option, ...] = ()
    columns: int = 1
    step: str | None = None
    text: str = ""
    key: str = ""


class QuestionKind:
    """Base of the question types; a subclass sets `name` and `value_model` and overrides."""

    name: ClassVar[str] = ""
    value_model: ClassVar[type[Value]] = Value
    settings_model: ClassVar[type[Settings]] = Settings
    option_settings_model: ClassVar[type[Settings]] = Settings  # its keys on a pack option
    export_columns: ClassVar[tuple[str, ...]] = ()  # extra spreadsheet columns of this type
    summarizes: ClassVar[bool] = False  # the report sums answers up (`summary`) over quoting

    def show(self, asked: Asked) -> Shown:
        raise NotImplementedError

    def parse(self, asked: Asked, given: AnswerInput) -> Parsed:
        raise NotImplementedError

    def describe(self, value: Value, asked: Asked) -> str:
        """The answer as one readable text, in the asked language (chat, exports, report)."""
        raise NotImplementedError

    def writing(self, state: Mapping[str, Any]) -> bool:
        """Whether an answer is half written, so "Keep my answer" would throw it away."""
        return False

    def edit(self, asked: Asked, given: AnswerInput) -> Progress | Refused | None:
        """An edited earlier message; None when this kind keeps nothing an edit could change."""
        return None

    def columns(self, question: Question) -> tuple[str, ...]:
        """The extra spreadsheet columns a pack question of this type needs."""
        return self.export_columns

    def export_cells(self, value: Value) -> dict[str, Cell]:
        """Values of `export_columns` for one answer."""
        return {}

    def written(self, value: Value, asked: Asked) -> str:
        """Words a stakeholder wrote within a closed answer, for the report to quote; or ''."""
        return ""

    def summary(self, values: Sequence[Value], asked: Asked) -> list[str]:
        """Lines that sum up every answer in the report; empty when the report quotes them."""
        return []

    def problems(self, question: Question, session: Session, pack: Pack) -> Iterator[str]:
        """What is wrong with a pack question of this kind, each as `field: message`."""
        if question.options:
            yield "options: only a choice question has options"

    def settings(self, question: Question) -> Settings:
        return self.settings_model.model_validate(question.model_extra or {})

    def option_settings(self, option: PackOption) -> Settings:
        return self.option_settings_model.model_validate(option.model_extra or {})


def pick(given: AnswerInput, options: Iterable[Option]) -> str | None:
    """A button's value, or typed text matching an option's label or value (any case, accents)."""
    pairs = list(options)
    if given.chosen is not None:
        return given.chosen if any(given.chosen == value for value, _ in pairs) else None
    if given.typed is None:
        return None
    typed = normalise(given.typed)
    for value, label in pairs:
        if typed in (normalise(label), normalise(value)):
            return value
    return None


MARK = "✓ "
DONE, RESTART = "done", "restart"
