"""/consult: the pack's sessions, their questions in order, every question type.

The draft holds the session, the question index and the answer in progress (text parts, a
selection, a pledge's step), so a stakeholder who drops off resumes at the same question. What a
question shows and how it takes input is its type's (`bot.questions`); this flow moves between
questions and saves.
"""

from __future__ import annotations

from bot.core.messages import Choice, InboundKind
from bot.pack import Question, Session
from bot.questions import (
    Answered,
    Asked,
    Expected,
    Parsed,
    Progress,
    QuestionKind,
    Refused,
    Skipped,
    describe,
    kind_of,
)
from handlers.base import Context, command_choice
from handlers.common import expected, main_menu
from handlers.flow import Flow, Step

NAME = "consultation"
PREVIEW = 300
BACK, SKIP, KEEP = "back", "skip", "keep"
RUN, EDIT = "run", "edit"


def session_label(ctx: Context, session: Session) -> str:
    title = ctx.text(session.short_title or session.title)
    return f"{session.number}. {title}" if session.number else title


# -- entering -------------------------------------------------------------------------------


async def start(ctx: Context) -> None:
    wanted = ctx.inbound.args.strip().lower()
    session = next(
        (s for s in ctx.pack.sessions if wanted and wanted in (s.key, str(s.number))), None
    )
    in_question = ctx.position.flow == NAME and ctx.position.step == "question"
    if in_question and (session is None or ctx.draft.get("session") == session.key):
        await ask(ctx)  # /consult mid-session resumes the question, with what is written so far
        return
    if session is not None:
        await enter(ctx, session)
        return
    ctx.goto(NAME, "sessions", {})
    await list_sessions(ctx)


async def list_sessions(ctx: Context) -> None:
    book = await ctx.store.answers()
    choices = []
    for session in ctx.pack.sessions:
        done, total = book.answered_in(session), len(session.questions)
        label = f"{session_label(ctx, session)} ({done}/{total})"
        choices.append(ctx.choice(("✓ " if done == total else "") + label, session.key))
    ctx.say(
        ctx.t._("Choose a session. You can answer them in any order."), choices, key="ask.session"
    )


async def choose_session(ctx: Context) -> None:
    chosen = ctx.pick([(s.key, session_label(ctx, s)) for s in ctx.pack.sessions])
    if chosen is None:
        expected(ctx, ctx.t._("Please tap a session."))
        return
    await enter(ctx, ctx.pack.sessions_by_key[chosen])


async def enter(ctx: Context, session: Session, index: int | None = None, mode: str = RUN) -> None:
    """Open a session at `index`, or at its first unanswered question."""
    if index is None:
        index = (await ctx.store.answers()).first_unanswered(session)
    if index is None:
        t = ctx.t
        ctx.goto(NAME, "sessions", {})
        ctx.say(
            t._(
                "You have answered every question of this session. "
                "You can change any answer in My answers."
            ),
            [
                command_choice(t._("My answers"), "answers"),
                command_choice(t._("Another session"), "consult"),
            ],
            key="session.already_done",
        )
        return
    if index == 0 and mode == RUN:
        _introduce(ctx, session)
    _go(ctx, session, index, mode)
    await ask(ctx)


def _introduce(ctx: Context, session: Session) -> None:
    lines = [ctx.text(session.title).upper()]
    if session.intro:
        lines.append(ctx.text(session.intro))
    if session.objectives:
        asked = Asked(ctx.pack, session, session.questions[0], ctx.t)
        lines.append(ctx.t._("GCM objectives of this session:"))
        lines += [f"• {asked.objective_label(number)}" for number in session.objectives]
    ctx.say("\n".join(lines), key="session.intro")


def _go(ctx: Context, session: Session, index: int, mode: str) -> None:
    question = session.questions[index]
    ctx.goto(
        NAME,
        "question",
        {"session": session.key, "index": index, "mode": mode},
        scope=f"{session.key}.{question.key}",
    )


# -- the question at hand --------------------------------------------------------------------


def _where(ctx: Context) -> tuple[Session, int, Question]:
    session = ctx.pack.sessions_by_key[ctx.draft["session"]]
    index = min(ctx.draft["index"], len(session.questions) - 1)
    return session, index, session.questions[index]


def _asked(ctx: Context, session: Session, question: Question) -> Asked:
    return Asked(ctx.pack, session, question, ctx.t, ctx.draft)


async def ask(ctx: Context) -> None:
    session, index, question = _where(ctx)
    kind, asked = kind_of(question), _asked(ctx, session, question)
    shown = kind.show(asked)
    if shown.step:  # the type's own step: its buttons go stale when the step changes
        ctx.update_draft(_scope=f"{session.key}.{question.key}.{shown.step}")
        ctx.say(shown.text, ctx.choices(shown.options), key=shown.key, columns=shown.columns)
        return
    t = ctx.t
    lines = [
        f"{session_label(ctx, session)} · {index + 1}/{len(session.questions)}",
        ctx.text(question.text),
    ]
    if question.help:
        lines.append(f"({ctx.text(question.help)})")
    current = (await ctx.store.answers()).value(session, question)
    if current is not None:
        saved = describe(current, asked)
        saved = saved if len(saved) <= PREVIEW else saved[:PREVIEW] + "…"
        lines.append(t._("Your saved answer: {answer}", answer=saved))
    lines.append(shown.instruction)
    choices = ctx.choices(shown.options) + _navigation(ctx, kind, question, index, current)
    ctx.say("\n\n".join(lines), choices, key=f"ask.question.{question.type}", columns=shown.columns)


def _navigation(
    ctx: Context, kind: QuestionKind, question: Question, index: int, current: object
) -> list[Choice]:
    """The buttons that move: keep a saved answer, skip an optional question, go back."""
    t = ctx.t
    choices = []
    if current is not None and not kind.writing(ctx.draft):
        choices.append(ctx.choice(t._("Keep my answer"), KEEP))
    if question.optional:
        choices.append(ctx.choice(t._("Skip"), SKIP))
    if index > 0 or ctx.draft.get("mode") == EDIT:
        choices.append(ctx.choice(t._("Back"), BACK))
    return choices


async def take(ctx: Context) -> None:
    session, index, question = _where(ctx)
    kind, asked, given = kind_of(question), _asked(ctx, session, question), ctx.given()
    if given.kind == InboundKind.EDIT:
        await _react(ctx, session, index, kind.edit(asked, given) or _edit_ignored(ctx))
        return
    if not kind.show(asked).step:  # Back, Keep and Skip belong to the question, not its steps
        if given.chosen == BACK:
            await _back(ctx, session, index)
            return
        if given.chosen == KEEP:
            await _advance(ctx, session, index)
            return
        if given.chosen == SKIP and question.optional:
            await _save(ctx, session, index, question, Answered(Skipped()))
            return
    await _react(ctx, session, index, kind.parse(asked, given))


def _edit_ignored(ctx: Context) -> Refused:
    text = ctx.t._(
        "Edits to sent messages don't change saved answers. To change an answer, use /answers."
    )
    return Refused(text, "edit.ignored")


async def _react(ctx: Context, session: Session, index: int, parsed: Parsed) -> None:
    """Turn what the question's type made of the input into replies and a save."""
    if isinstance(parsed, Answered):
        await _save(ctx, session, index, session.questions[index], parsed)
    elif isinstance(parsed, Progress):
        ctx.update_draft(**parsed.state)
        if parsed.notice is None:
            await ask(ctx)
        else:
            notice = parsed.notice
            ctx.say(notice.text, ctx.choices(notice.options), key=notice.key)
    elif isinstance(parsed, Expected):
        expected(ctx, parsed.what)
    else:
        ctx.say(parsed.text, ctx.choices(parsed.options), key=parsed.key)


async def _save(
    ctx: Context, session: Session, index: int, question: Question, answered: Answered
) -> None:
    await ctx.store.save_answer(session, question, answered, ctx.language)
    ctx.say(ctx.t._("Saved."), key="answer.saved")
    await _advance(ctx, session, index)


# -- moving ---------------------------------------------------------------------------------


async def _back_to_answers(ctx: Context, session: Session) -> None:
    """An edit, saved or not, returns to the session's list in /answers."""
    ctx.goto("answers", "questions", {"session": session.key}, scope=session.key)
    await ctx.prompt_current()


async def _back(ctx: Context, session: Session, index: int) -> None:
    if ctx.draft.get("mode") == EDIT:
        await _back_to_answers(ctx, session)
    elif index == 0:
        ctx.goto(NAME, "sessions", {})
        await list_sessions(ctx)
    else:
        _go(ctx, session, index - 1, ctx.draft.get("mode", RUN))
        await ask(ctx)


async def _advance(ctx: Context, session: Session, index: int) -> None:
    if ctx.draft.get("mode") == EDIT:
        await _back_to_answers(ctx, session)
    elif index + 1 < len(session.questions):
        _go(ctx, session, index + 1, RUN)
        await ask(ctx)
    else:
        await _finish(ctx, session)


async def _finish(ctx: Context, session: Session) -> None:
    t = ctx.t
    remaining = (await ctx.store.answers()).unfinished_sessions()
    if not remaining:
        main_menu(
            ctx,
            t._(
                "You have completed the whole consultation. Thank you! "
                "You can still review and change your answers."
            ),
            key="consultation.complete",
        )
        return
    ctx.goto(NAME, "sessions", {})
    ctx.say(
        t._("Session complete. Thank you!"),
        [
            ctx.choice(session_label(ctx, remaining[0]), remaining[0].key),
            command_choice(t._("My answers"), "answers"),
            command_choice(t._("Menu"), "menu"),
        ],
        key="session.complete",
    )


FLOW = Flow(
    name=NAME,
    start=start,
    summary="the sessions, their questions in order; each question's type takes the input",
    starts_at=("sessions", "question"),
    steps={
        "sessions": Step(list_sessions, choose_session, "button: a session", ("question",)),
        "question": Step(
            ask,
            take,
            "whatever the question's type takes (text, buttons, a file); Back, Keep, Skip",
            ("sessions", "answers/questions"),
        ),
    },
)
