"""Flattening answers into cells, neutralising formulas and wording attribution, no database."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from bot.core.i18n import translator
from bot.export.labels import Labels
from bot.export.rows import answer_text, neutralise
from bot.pack import Pack


def _stakeholder(**fields) -> SimpleNamespace:
    defaults = {"category": "migrant_led", "subregion": "caribbean", "country": "HT"}
    defaults |= {"organization": "Red", "attribution_consent": True}
    return SimpleNamespace(**(defaults | fields))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+57 300", "'+57 300"),
        ("-5 points", "'-5 points"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tindented", "'\tindented"),
        ("\rreturn", "'\rreturn"),
        ("Salud = derecho", "Salud = derecho"),
        ("", ""),
    ],
)
def test_neutralise(text: str, expected: str) -> None:
    """Only a leading =, +, -, @, tab or carriage return gets the protective quote."""
    assert neutralise(text) == expected


def test_every_answer_type_reads_as_text(pack: Pack) -> None:
    """Each stored value reads as the chat shows it (one describe per type), in any language."""
    labels = Labels(pack, translator("en"))
    pledge = pack.sessions_by_key["general"].questions[0].key
    cases = [
        ({"text": "hola"}, "progress", "hola"),
        ({"option": "work"}, "priority", "Work"),
        ({"options": ["health", "work"]}, "areas", "Health; Work"),
        ({"objectives": [14, 16]}, "tags", "14 · Obj. 14; 16 · Obj. 16"),
        ({"attachment_id": 3, "kind": "voice"}, "evidence", "Voice note: #3"),
        ({"skipped": True}, "progress", ""),
    ]
    for value, key, expected in cases:
        assert answer_text(value, labels.asked("inclusion", key)) == expected
    stored = {"title": "T", "objectives": [7], "partners": "OIM", "timeline": "2025"}
    assert answer_text(stored, labels.asked("general", pledge)) == (
        "T\nObjectives: 7 · Obj. 7\nPartners: OIM\nTimeline: 2025"
    )
    assert answer_text({"option": "x"}, None) == '{"option": "x"}'  # no longer in the pack


def test_described_as_falls_back_to_the_country(pack: Pack) -> None:
    """Outside every subregion an organization is described by its country."""
    labels = Labels(pack, translator("en"))
    assert labels.described_as(_stakeholder()) == "a migrant-led organization from the Caribbean"
    outside = _stakeholder(subregion=None, country="US", category="academia")
    assert labels.described_as(outside) == "an academic institution from United States"
    assert labels.described_as(_stakeholder(category=None, subregion=None, country=None)) == (
        "a participant"
    )


def test_named_needs_attribution_and_no_anonymizing(pack: Pack) -> None:
    """A name is given only with attribution consent, and never when anonymized."""
    labels = Labels(pack, translator("en"))
    assert labels.named(_stakeholder(), anonymize=False) == "Red"
    assert labels.named(_stakeholder(), anonymize=True) is None
    assert labels.named(_stakeholder(attribution_consent=None), anonymize=False) is None
    assert labels.named(_stakeholder(attribution_consent=False), anonymize=False) is None


def test_country_names_follow_the_export_language(pack: Pack) -> None:
    """Country names are localized in the export language, in their common form."""
    assert Labels(pack, translator("es")).country("MX") == "México"
    assert Labels(pack, translator("en")).country("BO") == "Bolivia"
    assert Labels(pack, translator("en")).country(None) == "Not given"
