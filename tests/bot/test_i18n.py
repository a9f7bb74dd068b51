"""The gettext catalogs: complete in every shipped language, placeholders intact, up to date."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.core.i18n import LOCALES_DIR, shipped_languages, translator
from bot.pack import PACKS_DIR, load_pack

PLACEHOLDER = re.compile(r"\{(\w*)\}")
ROOT = Path(__file__).resolve().parents[2]


def _catalog(language: str):
    with (LOCALES_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=language)


def _forms(value: str | tuple[str, ...]) -> tuple[str, ...]:
    return value if isinstance(value, tuple) else (value,)


def test_spanish_english_portuguese_and_french_ship() -> None:
    """The four languages of the region have a catalog."""
    assert {"es", "en", "pt", "fr"} <= set(shipped_languages())


@pytest.mark.parametrize("pack_file", sorted(PACKS_DIR.glob("*.yaml")), ids=lambda path: path.stem)
def test_every_language_a_pack_declares_has_a_catalog(pack_file: Path) -> None:
    """Whatever a bundled pack declares is shipped; the tests above check each catalog alike."""
    pack = load_pack(str(pack_file))
    assert set(pack.languages) <= set(shipped_languages()), pack.languages


@pytest.mark.parametrize("language", shipped_languages())
def test_every_message_is_translated(language: str) -> None:
    """No message of the template lacks a translation in a shipped language."""
    missing = [
        message.id
        for message in _catalog(language)
        if message.id and not all(form.strip() for form in _forms(message.string))
    ]
    assert missing == []


@pytest.mark.parametrize("language", shipped_languages())
def test_placeholders_match_the_source(language: str) -> None:
    """Each translation uses exactly the placeholders of its source string."""
    wrong = []
    for message in _catalog(language):
        if not message.id:
            continue
        source = set(PLACEHOLDER.findall(" ".join(_forms(message.id))))
        for form in _forms(message.string):
            if set(PLACEHOLDER.findall(form)) - (source | {"count"}) or (
                source - {"count"} - set(PLACEHOLDER.findall(form))
            ):
                wrong.append((message.id, form))
    assert wrong == []


def test_template_matches_the_source() -> None:
    """locales/messages.pot holds every string the code marks, so `make locales` was run."""
    keywords = {"_": None, "N_": None, "ngettext": (1, 2)}
    in_code = set()
    for folder in ("bot", "handlers", "storage"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, method_map=[("**.py", "python")], keywords=keywords
        ):
            in_code.add(message if isinstance(message, str) else message[0])
    with (LOCALES_DIR / "messages.pot").open("rb") as handle:
        template = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    assert in_code - template == set(), "run `make locales` and translate the new strings"


def test_translator_formats_placeholders_in_spanish() -> None:
    """A translated string comes back in Spanish with its values filled in."""
    text = translator("es")._("Registration {step}/{total}", step=2, total=6)
    assert text != "Registration 2/6" and "2/6" in text
