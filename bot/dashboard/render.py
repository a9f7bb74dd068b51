"""Pages from Jinja2 templates, with the translator and formatters every template uses.

Templates mark their strings as `_("…")`, extracted by Babel's Jinja2 extractor (babel.cfg) into
the same catalogs as the chat's; `_` is the visitor's translator, passed per page, never global.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
from babel.numbers import format_decimal
from starlette.requests import Request
from starlette.responses import HTMLResponse

from bot.core.i18n import N_, Translator, language_name, translator
from bot.dashboard.context import Dashboard, Visitor
from storage.roles import ORGANIZER, RAPPORTEUR

TEMPLATES = Path(__file__).parent / "templates"
EVERYONE = frozenset({ORGANIZER, RAPPORTEUR})
ORGANIZERS = frozenset({ORGANIZER})
RAPPORTEURS = frozenset({RAPPORTEUR})

# (path, label, roles that see it): the navigation, in order.
PAGES: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("/", N_("Overview"), EVERYONE),
    ("/sessions", N_("Sessions"), EVERYONE),
    ("/answers", N_("Answers"), EVERYONE),
    ("/objectives", N_("GCM objectives"), EVERYONE),
    ("/pledges", N_("Pledges"), EVERYONE),
    ("/broadcasts", N_("Broadcasts"), ORGANIZERS),
)

ENVIRONMENT = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def accepted_language(request: Request, dash: Dashboard) -> str:
    """For a visitor we do not know: the browser's first language the pack has."""
    header = request.headers.get("accept-language", "")
    for part in header.split(","):
        code = part.split(";")[0].strip().split("-")[0].lower()
        if code in dash.pack.languages:
            return code
    return dash.pack.default_language


def number_format(t: Translator) -> Callable[[int | float], str]:
    """Numbers as the visitor's language writes them (1.234 in Spanish, 1,234 in English)."""
    return lambda value: format_decimal(value, locale=t.locale)


def _formatters(t: Translator, dash: Dashboard) -> dict[str, Any]:
    zone = dash.pack.event.timezone

    def when(moment: dt.datetime) -> str:
        return t.datetime(moment, zone, "short")

    return {"number": number_format(t), "when": when}


def _navigation(dash: Dashboard, visitor: Visitor | None, path: str) -> list[dict[str, Any]]:
    if visitor is None:
        return []
    t = visitor.t
    here = path.removeprefix(dash.base) or "/"
    return [
        {"href": dash.url(page), "label": t._(label), "current": page == here}
        for page, label, roles in PAGES
        if roles & visitor.roles
    ]


def render(
    request: Request,
    dash: Dashboard,
    template: str,
    *,
    visitor: Visitor | None = None,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A page in the visitor's language (or the browser's, for a refusal before sign-in)."""
    language = visitor.language if visitor else accepted_language(request, dash)
    t = translator(language)
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    values = {
        "_": t._,
        "ngettext": t.ngettext,
        "url": dash.url,
        "visitor": visitor,
        "language": language,
        "languages": [(code, language_name(code)) for code in dash.pack.languages],
        "event": dash.pack.text(dash.pack.event.short_name, language),
        "nav": _navigation(dash, visitor, request.url.path),
        "here": here,
        **_formatters(t, dash),
        **context,
    }
    html = ENVIRONMENT.get_template(template).render(values)
    return HTMLResponse(html, status_code=status)
