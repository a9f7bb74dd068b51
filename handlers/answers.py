"""/answers: what the stakeholder answered, session by session, each answer open to edit.

Editing asks the question again through the consultation flow; the new answer becomes a new
revision and the earlier ones are kept.
"""

from __future__ import annotations

from bot.core.text import shorten
from bot.pack import Question, Session
from bot.questions import Asked, describe
from handlers import consultation
from handlers.base import Context, command_choice
from handlers.common import expected, tap_a_button
from handlers.flow import Flow, Step
from handlers.store import AnswerBook

NAME = "answers"
BACK, EDIT = "back", "edit"


def _described(ctx: Context, book: AnswerBook, session: Session, question: Question) -> str:
    asked = Asked(ctx.pack, session, question, ctx.t)
    return describe(book.value(session, question), asked)


async def list_sessions(ctx: Context) -> None:
    t = ctx.t
    book = await ctx.store.answers()
    if not book:
        ctx.goto("idle", "", {})
        ctx.say(
            t._("You have not answered any question yet."),
            [command_choice(t._("Answer the consultation"), "consult")],
            key="answers.none",
        )
        return
    ctx.goto(NAME, "sessions", {})
    choices = []
    for session in ctx.pack.sessions:
        count = book.answered_in(session)
        if count:
            title = ctx.text(session.short_title or session.title)
            choices.append(ctx.choice(f"{title} ({count}/{len(session.questions)})", session.key))
    choices.append(command_choice(t._("Menu"), "menu"))
    ctx.say(t._("Your answers, by session. Tap one to see them."), choices, key="answers")


async def show_session(ctx: Context) -> None:
    """The session's questions with a preview of each answer; also where edits return."""
    t = ctx.t
    session = ctx.pack.sessions_by_key[ctx.draft["session"]]
    book = await ctx.store.answers()
    choices = []
    for number, question in enumerate(session.questions, start=1):
        shown = shorten(_described(ctx, book, session, question), 36)
        choices.append(ctx.choice(f"{number}. {shown}", question.key))
    choices.append(ctx.choice(t._("Back"), BACK))
    ctx.say(
        ctx.text(session.title) + "\n" + t._("Tap a question to see or change your answer."),
        choices,
        key="answers.session",
    )


async def _open_session(ctx: Context, session_key: str) -> None:
    ctx.goto(NAME, "questions", {"session": session_key}, scope=session_key)
    await show_session(ctx)


async def show_answer(ctx: Context) -> None:
    t = ctx.t
    session = ctx.pack.sessions_by_key[ctx.draft["session"]]
    question = next(q for q in session.questions if q.key == ctx.draft["question"])
    book = await ctx.store.answers()
    lines = [ctx.text(question.text), "", _described(ctx, book, session, question)]
    revisions = book.revisions(session, question)
    if revisions > 1:
        lines.append(
            t.ngettext(
                "(changed once; the earlier version is kept)",
                "(changed {count} times; earlier versions are kept)",
                revisions - 1,
            )
        )
    ctx.say(
        "\n".join(lines),
        [ctx.choice(t._("Change this answer"), EDIT), ctx.choice(t._("Back"), BACK)],
        key="answers.answer",
    )


async def choose_session(ctx: Context) -> None:
    pairs = [(s.key, ctx.text(s.short_title or s.title)) for s in ctx.pack.sessions]
    chosen = ctx.pick(pairs)
    if chosen is None:
        expected(ctx, ctx.t._("Please tap a session."))
        return
    await _open_session(ctx, chosen)


async def choose_question(ctx: Context) -> None:
    session = ctx.pack.sessions_by_key[ctx.draft["session"]]
    pairs = [(q.key, str(number)) for number, q in enumerate(session.questions, start=1)]
    chosen = ctx.pick([*pairs, (BACK, ctx.t._("Back"))])
    if chosen == BACK:
        await list_sessions(ctx)
    elif chosen is None:
        expected(ctx, ctx.t._("Please tap a question, or type its number."))
    else:
        key = f"{session.key}.{chosen}"
        ctx.goto(NAME, "answer", {"session": session.key, "question": chosen}, scope=key)
        await show_answer(ctx)


async def act_on_answer(ctx: Context) -> None:
    session = ctx.pack.sessions_by_key[ctx.draft["session"]]
    chosen = ctx.pick([(EDIT, ctx.t._("Change this answer")), (BACK, ctx.t._("Back"))])
    if chosen == BACK:
        await _open_session(ctx, session.key)
    elif chosen == EDIT:
        index = next(i for i, q in enumerate(session.questions) if q.key == ctx.draft["question"])
        await consultation.enter(ctx, session, index=index, mode=consultation.EDIT)
    else:
        tap_a_button(ctx)


FLOW = Flow(
    name=NAME,
    start=list_sessions,
    summary="the answers by session; each one shown, and changed through the consultation",
    starts_at=("sessions",),
    steps={
        "sessions": Step(list_sessions, choose_session, "button: a session", ("questions",)),
        "questions": Step(
            show_session, choose_question, "button or number: a question", ("answer", "sessions")
        ),
        "answer": Step(
            show_answer,
            act_on_answer,
            "button: Change this answer | Back",
            ("questions", "consultation/question"),
        ),
    },
)
