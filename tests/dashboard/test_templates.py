"""Every string the dashboard's templates show is in the gettext template, so it gets translated."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.core.i18n import LOCALES_DIR, translator
from bot.dashboard.render import TEMPLATES


def _template_strings() -> set[str]:
    keywords = {"_": None, "ngettext": (1, 2)}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        TEMPLATES, method_map=[("**.html", "jinja2")], keywords=keywords
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_template_strings_are_in_the_catalog_template() -> None:
    """`make locales` extracted the templates (babel.cfg lists them)."""
    with (LOCALES_DIR / "messages.pot").open("rb") as handle:
        template = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    strings = _template_strings()
    assert len(strings) > 50
    assert strings - template == set()


def test_template_strings_read_in_spanish() -> None:
    """The templates' strings come out in Spanish, not in their English source."""
    t = translator("es")
    untranslated = {s for s in _template_strings() if t._(s) == s and s.strip() != "#"}
    assert untranslated == set()


def test_babel_config_extracts_the_templates() -> None:
    """babel.cfg names the template folder, so `make locales` keeps finding new strings."""
    config = (Path(__file__).resolve().parents[2] / "babel.cfg").read_text()
    assert "[jinja2: bot/dashboard/templates/**.html]" in config
