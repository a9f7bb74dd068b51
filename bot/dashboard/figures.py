"""The chart pages: participation, completion per session and question, GCM objectives cited."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from bot.core.i18n import language_name
from bot.dashboard.charts import bar_chart, share_bar, time_series
from bot.dashboard.context import Dashboard, Visitor
from bot.dashboard.naming import Names
from bot.dashboard.render import EVERYONE, number_format, render
from bot.dashboard.respond import guarded
from bot.dashboard.tilemap import TILES, tile_map
from bot.pack import Pack, QuestionType
from storage.dashboard import (
    Cell,
    Completion,
    completion,
    count_objectives,
    first_answers_by_day,
    objectives_cited,
    participation,
    pledge_objectives,
    registrations_by_day,
)


def _tally(cells: Iterable[Cell], attribute: str) -> Counter[str | None]:
    counts: Counter[str | None] = Counter()
    for cell in cells:
        counts[getattr(cell, attribute)] += cell.count
    return counts


def _in_pack_order(counts: Counter[str | None], keys: list[str]) -> list[str | None]:
    """The pack's keys first (those with a count), then any others, then none given."""
    ordered: list[str | None] = [key for key in keys if counts.get(key)]
    ordered += sorted(key for key in counts if key and key not in keys)
    return ordered + ([None] if counts.get(None) else [])


def participation_charts(cells: list[Cell], names: Names, dash: Dashboard) -> dict[str, object]:
    """Bars by subregion, category, language and country, and the tile map of countries."""
    t, pack = names.t, dash.pack
    subregions = _tally(cells, "subregion")
    categories = _tally(cells, "category")
    languages = _tally(cells, "language")
    countries = _tally(cells, "country")
    number = number_format(t)
    by_country = sorted(
        ((names.country(code), count) for code, count in countries.items()),
        key=lambda row: (-row[1], row[0]),
    )
    off_map = [code for code in countries if code and code not in TILES]
    outside = [(names.country(code), countries[code]) for code in off_map]
    return {
        "subregion": bar_chart(
            [(names.subregion(key), subregions[key]) for key in
             _in_pack_order(subregions, [s.key for s in pack.subregions])],
            t._("Registered stakeholders by subregion"), number,
        ),
        "category": bar_chart(
            [(names.category(key), categories[key]) for key in
             _in_pack_order(categories, [c.key for c in pack.categories])],
            t._("Registered stakeholders by category"), number,
        ),
        "language": bar_chart(
            [(language_name(key) if key else t._("Not given"), languages[key])
             for key in _in_pack_order(languages, list(pack.languages))],
            t._("Registered stakeholders by language"), number,
        ),
        "country": bar_chart(
            by_country[:15], t._("The 15 countries with most stakeholders"), number
        ),
        "map": tile_map(
            {code: count for code, count in countries.items() if code},
            names.country,
            t._("Registered stakeholders by country"),
            href=lambda code: dash.url("/answers?" + urlencode({"country": code})),
        ),
        "outside": sorted(outside, key=lambda row: (-row[1], row[0])),
        "countries": len([code for code in countries if code]),
    }  # fmt: skip


@guarded(EVERYONE)
async def overview(request: Request, dash: Dashboard, visitor: Visitor) -> Response:
    """Participation: totals, over time, by subregion, category, language and country."""
    async with dash.database.transaction() as session:
        cells = await participation(session)
        registrations = await registrations_by_day(session)
        first_answers = await first_answers_by_day(session)
    t = visitor.t
    names = Names(dash.pack, t)
    number, day = number_format(t), lambda d: t.date(d, "medium")
    return render(
        request,
        dash,
        "overview.html",
        visitor=visitor,
        registered=sum(cell.count for cell in cells),
        answered=sum(count for _, count in first_answers),
        registrations=time_series(
            registrations, t._("Stakeholders registered per day"), day, number
        ),
        first_answers=time_series(
            first_answers, t._("Questions answered for the first time per day"), day, number
        ),
        charts=participation_charts(cells, names, dash),
    )


def _question_rows(
    pack: Pack, figures: Completion, names: Names, session_key: str, started: int
) -> list[dict[str, Any]]:
    rows = []
    for number, question in enumerate(pack.sessions_by_key[session_key].questions, start=1):
        found = figures.questions.get((session_key, question.key))
        answers, skipped = (found.answers, found.skipped) if found else (0, 0)
        answered = answers - skipped
        share = round(100 * answered / started) if started else 0
        rows.append(
            {
                "number": number,
                "text": names.text(question.text),
                "optional": question.optional,
                "answered": answered,
                "skipped": skipped,
                "share": share,
                "bar": share_bar(share, f"{share} %"),
            }
        )
    return rows


@guarded(EVERYONE)
async def sessions(request: Request, dash: Dashboard, visitor: Visitor) -> Response:
    """Per session, who started it; per question, how many answered and how many skipped."""
    async with dash.database.transaction() as session:
        figures = await completion(session)
    t, pack = visitor.t, dash.pack
    names = Names(pack, t)
    number = number_format(t)
    blocks: list[dict[str, Any]] = []
    for item in pack.sessions:
        started = figures.started.get(item.key, 0)
        rows = _question_rows(pack, figures, names, item.key, started)
        blocks.append(
            {
                "key": item.key,
                "title": names.text(item.title),
                "started": started,
                "rows": rows,
                "href": dash.url("/answers?" + urlencode({"session": item.key})),
            }
        )
    overall = bar_chart(
        [(names.session(block["key"]), block["started"]) for block in blocks],
        t._("Stakeholders who answered at least one question, per session"),
        number,
    )
    return render(request, dash, "sessions.html", visitor=visitor, blocks=blocks, overall=overall)


def objective_questions(pack: Pack) -> list[tuple[str, str]]:
    return [
        (session.key, question.key)
        for session in pack.sessions
        for question in session.questions
        if question.type == QuestionType.OBJECTIVES
    ]


@guarded(EVERYONE)
async def objectives(request: Request, dash: Dashboard, visitor: Visitor) -> Response:
    """How often each GCM objective is cited in answers and in pledges."""
    async with dash.database.transaction() as session:
        in_answers = await objectives_cited(session, objective_questions(dash.pack))
        in_pledges = count_objectives(await pledge_objectives(session))
    t = visitor.t
    names = Names(dash.pack, t)
    number = number_format(t)
    numbers = [objective.number for objective in dash.pack.objectives]
    rows = [
        {
            "number": n,
            "title": names.objective_title(n),
            "answers": in_answers.get(n, 0),
            "pledges": in_pledges.get(n, 0),
        }
        for n in numbers
    ]
    return render(
        request,
        dash,
        "objectives.html",
        visitor=visitor,
        rows=rows,
        answers_chart=bar_chart(
            [(names.objective(n), in_answers.get(n, 0)) for n in numbers],
            t._("Answers citing each GCM objective"),
            number,
        ),
        pledges_chart=bar_chart(
            [(names.objective(n), in_pledges.get(n, 0)) for n in numbers],
            t._("Pledges citing each GCM objective"),
            number,
        ),
    )
