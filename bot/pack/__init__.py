"""The consultation as data: a YAML pack, its model, its checks, and how it is found."""

from bot.pack.loading import PACKS_DIR, load_pack, resolve_pack_path
from bot.pack.model import (
    GCM_OBJECTIVE_COUNT,
    Category,
    Event,
    LocalizedText,
    Objective,
    Option,
    Pack,
    Place,
    Privacy,
    Question,
    QuestionType,
    RoadmapEvent,
    Segment,
    Session,
    Subregion,
    is_country_code,
    parse_offset,
)
from bot.pack.validation import PackError, parse_pack, titles_to_confirm

__all__ = [
    "GCM_OBJECTIVE_COUNT",
    "PACKS_DIR",
    "Category",
    "Event",
    "LocalizedText",
    "Objective",
    "Option",
    "Pack",
    "PackError",
    "Place",
    "Privacy",
    "Question",
    "QuestionType",
    "RoadmapEvent",
    "Segment",
    "Session",
    "Subregion",
    "is_country_code",
    "load_pack",
    "parse_offset",
    "parse_pack",
    "resolve_pack_path",
    "titles_to_confirm",
]
