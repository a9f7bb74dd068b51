"""The list pages: answers with filters, pledges, broadcasts; a page at a time, newest first."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from bot.core.i18n import language_name
from bot.dashboard.charts import stacked_bar
from bot.dashboard.context import Dashboard, Visitor
from bot.dashboard.filters import AnswerQuery, parse_cursor, parse_query
from bot.dashboard.naming import Names
from bot.dashboard.render import EVERYONE, ORGANIZERS, render
from bot.dashboard.respond import guarded
from bot.export.filters import FORMATS
from storage import outbox
from storage.dashboard_pages import (
    MAX_COUNT,
    Page,
    answers_page,
    broadcasts_page,
    count_answers,
    pledges_page,
)
from storage.roles import RAPPORTEUR

MAX_SHOWN = 2000  # characters of one answer on the page; the exports carry all of it


def _pager(
    dash: Dashboard, path: str, page: Page, params: list[tuple[str, str]]
) -> dict[str, str | None]:
    """Links to the newer and older pages, keeping the filters."""

    def link(name: str, value: int | None) -> str | None:
        if value is None:
            return None
        return dash.url(f"{path}?" + urlencode([*params, (name, str(value))]))

    return {"newer": link("after", page.newer), "older": link("before", page.older)}


def _answer(row: Any, names: Names) -> dict[str, Any]:
    text = names.answer(row.value, row.session_key, row.question_key)
    return {
        "id": row.id,
        "session": names.session(row.session_key),
        "question": names.question_text(row.session_key, row.question_key),
        "who": names.who(row),
        "named": row.attribution_consent is True and bool((row.organization or "").strip()),
        "country": names.country(row.country),
        "category": names.category(row.category),
        "language": language_name(row.language),
        "updated_at": row.updated_at,
        "revision": row.revision,
        "text": text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + "…",
        "cut": len(text) > MAX_SHOWN,
        "skipped": isinstance(row.value, dict) and row.value.get("skipped") is True,
    }


def filter_options(dash: Dashboard, names: Names) -> dict[str, list[tuple[str, str]]]:
    """The choices of each filter, named in the page's language."""
    pack = dash.pack
    return {
        "session": [(s.key, names.session(s.key)) for s in pack.sessions],
        "subregion": [(s.key, names.text(s.name)) for s in pack.subregions],
        "country": sorted(
            ((code, names.country(code)) for s in pack.subregions for code in s.countries),
            key=lambda item: item[1],
        ),
        "category": [(c.key, names.text(c.name)) for c in pack.categories],
        "language": [(code, language_name(code)) for code in pack.languages],
    }


@guarded(EVERYONE)
async def answers(request: Request, dash: Dashboard, visitor: Visitor) -> Response:
    """Current answers under the filters and text search, with the downloads beside them."""
    query: AnswerQuery = parse_query(request.query_params, dash.pack)
    before, after = parse_cursor(request.query_params)
    async with dash.database.transaction() as session:
        page = await answers_page(session, query.filters, query.text, before, after)
        total = await count_answers(session, query.filters, query.text)
    names = Names(dash.pack, visitor.t)
    return render(
        request,
        dash,
        "answers.html",
        visitor=visitor,
        query=query,
        options=filter_options(dash, names),
        rows=[_answer(row, names) for row in page.rows],
        total=total,
        capped=total > MAX_COUNT,
        max_count=MAX_COUNT,
        pager=_pager(dash, "/answers", page, query.params()),
        formats=FORMATS if RAPPORTEUR in visitor.roles else (),
    )


@guarded(EVERYONE)
async def pledges(request: Request, dash: Dashboard, visitor: Visitor) -> Response:
    """The pledges stakeholders made, with who made them as the report may name them."""
    before, after = parse_cursor(request.query_params)
    async with dash.database.transaction() as session:
        page = await pledges_page(session, before, after)
    names = Names(dash.pack, visitor.t)
    rows = [
        {
            "id": row.id,
            "title": row.title,
            "who": names.who(row),
            "country": names.country(row.country),
            "session": names.session(row.session_key),
            "objectives": [names.objective(n) for n in row.objectives or []],
            "partners": row.partners,
            "timeline": row.timeline,
            "created_at": row.created_at,
        }
        for row in page.rows
    ]
    return render(
        request,
        dash,
        "pledges.html",
        visitor=visitor,
        rows=rows,
        pager=_pager(dash, "/pledges", page, []),
    )


def audience_text(audience: dict[str, Any], names: Names) -> str:
    """A broadcast's audience in words: `The Caribbean · Chile · reminders on`."""
    t = names.t
    parts = [names.subregion(key) for key in audience.get("subregions", [])]
    parts += [names.category(key) for key in audience.get("categories", [])]
    parts += [names.country(code) for code in audience.get("countries", [])]
    parts += [names.session(key) for key in audience.get("sessions", [])]
    parts += [language_name(code) for code in audience.get("languages", [])]
    if audience.get("reminders") is True:
        parts.append(t._("reminders on"))
    elif audience.get("reminders") is False:
        parts.append(t._("reminders off"))
    return " · ".join(parts) if parts else t._("everyone registered")


@guarded(ORGANIZERS)
async def broadcasts(request: Request, dash: Dashboard, visitor: Visitor) -> Response:
    """Broadcasts with how their delivery went: sent, waiting, failed, unreachable."""
    before, after = parse_cursor(request.query_params)
    async with dash.database.transaction() as session:
        page = await broadcasts_page(session, before, after)
    t = visitor.t
    names = Names(dash.pack, t)
    rows = []
    for row in page.rows:
        counts = row.counts
        parts = [
            ("sent", t._("Sent"), counts[outbox.SENT]),
            ("queued", t._("Waiting"), counts[outbox.QUEUED]),
            ("failed", t._("Failed"), counts[outbox.FAILED]),
            ("unreachable", t._("Unreachable"), counts[outbox.UNREACHABLE]),
        ]
        if counts.get(outbox.NO_TEMPLATE):  # WhatsApp: outside 24 hours, no template
            parts.append(("no_template", t._("No template"), counts[outbox.NO_TEMPLATE]))
        rows.append(
            {
                "id": row.id,
                "created_at": row.created_at,
                "created_by": row.created_by,
                "audience": audience_text(row.audience, names),
                "languages": ", ".join(language_name(code) for code in row.languages),
                "recipients": row.recipients,
                "chart": stacked_bar(parts, t._("Delivery of broadcast {number}", number=row.id)),
            }
        )
    return render(
        request,
        dash,
        "broadcasts.html",
        visitor=visitor,
        rows=rows,
        pager=_pager(dash, "/broadcasts", page, []),
    )
