"""The draft summary report worded in one language, as blocks that md and docx both render.

Headings follow the pack's sessions; UI wording goes through the Translator and pack content
(session titles, questions, objectives, categories, subregions) comes from the pack.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.export.chart import bar_chart
from bot.export.labels import Labels
from bot.export.report import QuestionDigest, Quote, ReportData, SessionDigest
from bot.export.rows import quoted_as
from bot.export.source import ExportSource
from bot.pack import QuestionType
from bot.questions import KINDS


@dataclass(frozen=True)
class Heading:
    text: str
    level: int  # 0 for the title, 1 for a section


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Image:
    png: bytes
    caption: str


Block = Heading | Paragraph | Table | Quote | Image


def _counts(rows: list[tuple[str, int]]) -> tuple[tuple[str, str], ...]:
    return tuple((label, str(count)) for label, count in rows)


def _preamble(source: ExportSource) -> list[Block]:
    labels, t = source.labels, source.labels.t
    blocks: list[Block] = [
        Heading(t._("Draft summary report"), 0),
        Paragraph(labels.text(labels.pack.event.name)),
        Paragraph(t._("Generated on {date}.", date=t.date(dt.datetime.now(dt.UTC).date()))),
        Paragraph(
            t._(
                "Organizations are named only where they consented to attribution; the others "
                "are described by their category and where they work."
            )
        ),
    ]
    if not source.filters.is_empty:
        blocks.append(Paragraph(t._("Filters: {filters}", filters=_filters_text(source))))
    return blocks


def _filters_text(source: ExportSource) -> str:
    filters, labels = source.filters, source.labels
    parts = [labels.session(key) for key in filters.sessions]
    parts += [labels.subregion(key) for key in filters.subregions]
    parts += [labels.country(code) for code in filters.countries]
    parts += [labels.category(key) for key in filters.categories]
    parts += list(filters.languages)
    if filters.published_only:
        parts.append(labels.t._("only stakeholders who allowed publication"))
    if filters.since:
        parts.append(labels.t._("from {date}", date=filters.since.date().isoformat()))
    if filters.until:
        parts.append(labels.t._("until {date}", date=filters.until.date().isoformat()))
    return "; ".join(parts)


def _participation(labels: Labels, data: ReportData) -> list[Block]:
    t, participation = labels.t, data.participation
    by_subregion = participation.by_subregion(labels)
    totals = (
        (t._("Stakeholders"), str(participation.total)),
        (t._("Answers"), str(data.answers)),
        (t._("Pledges"), str(len(data.pledges))),
    )
    blocks: list[Block] = [
        Heading(t._("Participation"), 1),
        Table((t._("Summary"), t._("Count")), totals),
    ]
    if by_subregion:
        title = t._("Participation by subregion")
        blocks.append(Image(bar_chart(by_subregion, title, t._("Stakeholders")), title))
    for heading, column, rows in (
        (t._("Participation by subregion"), t._("Subregion"), by_subregion),
        (t._("Participation by category"), t._("Category"), participation.by_category(labels)),
        (t._("Participation by country"), t._("Country"), participation.by_country(labels)),
    ):
        blocks += [Heading(heading, 2), Table((column, t._("Stakeholders")), _counts(rows))]
    return blocks


def _question(labels: Labels, digest: QuestionDigest) -> list[Block]:
    t, question = labels.t, digest.question
    blocks: list[Block] = [Heading(labels.text(question.text), 2)]
    if not digest.answered:
        return [*blocks, Paragraph(t._("No answers."))]
    blocks.append(Paragraph(t.ngettext("{count} answer", "{count} answers", digest.answered)))
    if question.type in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE):
        names = {option.key: labels.text(option.label) for option in question.options}
        rows = [(names.get(key, key), count) for key, count in digest.options.most_common()]
        blocks.append(Table((t._("Option"), t._("Answers")), _counts(rows)))
        if digest.quotes:  # texts written after an option (how a plan came about, "Other")
            blocks.append(Paragraph(t._("In their own words:")))
            blocks += _grouped_quotes(labels, digest)
        return blocks
    if question.type == QuestionType.OBJECTIVES:
        rows = [(labels.objective(n), count) for n, count in digest.objectives.most_common()]
        return [*blocks, Table((t._("GCM objective"), t._("Answers")), _counts(rows))]
    if digest.values:  # a type that sums its answers up (a scale: mean and spread)
        asked = labels.asked(digest.session_key, question.key)
        lines = KINDS[question.type].summary(digest.values, asked) if asked else []
        return [*blocks, *(Paragraph(line) for line in lines)]
    return blocks + _grouped_quotes(labels, digest)


def _grouped_quotes(labels: Labels, digest: QuestionDigest) -> list[Block]:
    """Quotes under one heading per subregion, in the pack's order, others last."""
    order = [sub.key for sub in labels.pack.subregions]
    keys = sorted(digest.quotes, key=lambda k: order.index(k) if k in order else len(order))
    blocks: list[Block] = []
    for key in keys:
        sample = digest.quotes[key]
        quotes = sample.quotes()
        blocks.append(Heading(f"{labels.subregion(key)} ({sample.count})", 3))
        if sample.sampled:
            blocks.append(Paragraph(_sample_note(labels, len(quotes), sample.count)))
        blocks += quotes
    return blocks


def _sample_note(labels: Labels, shown: int, count: int) -> str:
    return labels.t._(
        "{shown} of {count} answers are quoted here, chosen to span the types of organization, "
        "countries, languages and lengths of answer. Every answer is in the spreadsheet export "
        "(xlsx or csv).",
        shown=shown,
        count=count,
    )


def _session(labels: Labels, digest: SessionDigest) -> list[Block]:
    session = digest.session
    blocks: list[Block] = [Heading(labels.text(session.title), 1)]
    if session.objectives:
        numbers = ", ".join(str(number) for number in session.objectives)
        blocks.append(Paragraph(labels.t._("GCM objectives {numbers}", numbers=numbers)))
    for question in digest.questions.values():
        blocks += _question(labels, question)
    return blocks


def _objectives(labels: Labels, data: ReportData) -> list[Block]:
    t = labels.t
    blocks: list[Block] = [Heading(t._("GCM objectives cited most"), 1)]
    ranked = data.most_cited()
    if not ranked:
        return [*blocks, Paragraph(t._("No objective was cited."))]
    rows = tuple((labels.objective(number), str(count)) for number, count in ranked)
    return [*blocks, Table((t._("GCM objective"), t._("Citations")), rows)]


def _pledges(labels: Labels, data: ReportData) -> list[Block]:
    t = labels.t
    blocks: list[Block] = [Heading(t._("Pledges"), 1)]
    if not data.pledges:
        return [*blocks, Paragraph(t._("No pledges."))]
    headers = (t._("Pledge"), t._("By"), t._("GCM objectives"), t._("Partners"), t._("Timeline"))
    rows = tuple(
        (
            pledge.title,
            quoted_as(pledge),
            ", ".join(str(number) for number in pledge.objectives),
            pledge.partners or "",
            pledge.timeline or "",
        )
        for pledge in data.pledges
    )
    return [*blocks, Table(headers, rows)]


def _recommendations(labels: Labels, data: ReportData) -> list[Block]:
    blocks: list[Block] = [Heading(labels.t._("Recommendations for the 2026 IMRF"), 1)]
    general = data.general
    questions = [] if general is None else list(general.questions.values())
    questions = [q for q in questions if q.question.type != QuestionType.PLEDGE]
    if not questions:
        return [*blocks, Paragraph(labels.t._("No answers."))]
    for question in questions:
        blocks += _question(labels, question)
    return blocks


def outline(source: ExportSource, data: ReportData) -> list[Block]:
    """The whole report, top to bottom."""
    labels = source.labels
    blocks = _preamble(source) + _participation(labels, data)
    for digest in data.thematic:
        blocks += _session(labels, digest)
    blocks += _objectives(labels, data) + _pledges(labels, data)
    return blocks + _recommendations(labels, data)
