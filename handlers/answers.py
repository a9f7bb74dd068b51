"""/answers: what the stakeholder answered, session by session, each answer open to edit.

Editing re-asks the question through the consultation flow; the new text becomes a new
revision and the earlier ones are kept.
"""

from __future__ import annotations

from handlers.answer_text import describe, preview
from handlers.base import Context, Flow, command_choice
from handlers.common import expected
from storage.answers import current_answers, revision_count

BACK, EDIT = "back", "edit"


class AnswersFlow(Flow):
    name = "answers"

    def __init__(self) -> None:
        from handlers.consultation import ConsultationFlow

        self.consultation = ConsultationFlow(after_edit=self)

    async def start(self, ctx: Context) -> None:
        await self._list_sessions(ctx)

    async def prompt(self, ctx: Context) -> None:
        step = ctx.conversation.step
        if step == "questions":
            await self.show_session(ctx, ctx.draft["session"])
        elif step == "answer":
            await self._show_answer(ctx, ctx.draft["session"], ctx.draft["question"])
        else:
            await self._list_sessions(ctx)

    async def _list_sessions(self, ctx: Context) -> None:
        t = ctx.t
        answered = await current_answers(ctx.session, ctx.stakeholder.id)
        if not answered:
            ctx.goto("idle", "", {})
            ctx.say(
                t._("You have not answered any question yet."),
                [command_choice(t._("Answer the consultation"), "consult")],
                key="answers.none",
            )
            return
        ctx.goto(self.name, "sessions", {})
        choices = []
        for session in ctx.pack.sessions:
            count = sum(1 for q in session.questions if (session.key, q.key) in answered)
            if count:
                title = ctx.text(session.short_title or session.title)
                choices.append(
                    ctx.choice(f"{title} ({count}/{len(session.questions)})", session.key)
                )
        choices.append(command_choice(t._("Menu"), "menu"))
        ctx.say(t._("Your answers, by session. Tap one to see them."), choices, key="answers")

    async def show_session(self, ctx: Context, session_key: str) -> None:
        """The session's questions with a preview of each answer; also where edits return."""
        t = ctx.t
        session = ctx.pack.sessions_by_key[session_key]
        answers = await current_answers(ctx.session, ctx.stakeholder.id, session_key)
        ctx.goto(self.name, "questions", {"session": session_key}, scope=session_key)
        choices = []
        for number, question in enumerate(session.questions, start=1):
            answer = answers.get((session_key, question.key))
            shown = preview(ctx, question, answer.value if answer else None, 36)
            choices.append(ctx.choice(f"{number}. {shown}", question.key))
        choices.append(ctx.choice(t._("Back"), BACK))
        ctx.say(
            ctx.text(session.title) + "\n" + t._("Tap a question to see or change your answer."),
            choices,
            key="answers.session",
        )

    async def _show_answer(self, ctx: Context, session_key: str, question_key: str) -> None:
        t = ctx.t
        session = ctx.pack.sessions_by_key[session_key]
        question = next(q for q in session.questions if q.key == question_key)
        answers = await current_answers(ctx.session, ctx.stakeholder.id, session_key)
        answer = answers.get((session_key, question_key))
        revisions = await revision_count(ctx.session, ctx.stakeholder.id, session_key, question_key)
        lines = [
            ctx.text(question.text),
            "",
            describe(ctx, question, answer.value if answer else None),
        ]
        if revisions > 1:
            lines.append(
                t.ngettext(
                    "(changed once; the earlier version is kept)",
                    "(changed {count} times; earlier versions are kept)",
                    revisions - 1,
                )
            )
        ctx.goto(
            self.name,
            "answer",
            {"session": session_key, "question": question_key},
            scope=f"{session_key}.{question_key}",
        )
        ctx.say(
            "\n".join(lines),
            [ctx.choice(t._("Change this answer"), EDIT), ctx.choice(t._("Back"), BACK)],
            key="answers.answer",
        )

    async def handle(self, ctx: Context) -> None:
        step = ctx.conversation.step
        if step == "sessions":
            pairs = [(s.key, ctx.text(s.short_title or s.title)) for s in ctx.pack.sessions]
            chosen = ctx.pick(pairs)
            if chosen is None:
                expected(ctx, ctx.t._("Please tap a session."))
                return
            await self.show_session(ctx, chosen)
        elif step == "questions":
            await self._choose_question(ctx)
        else:
            await self._act_on_answer(ctx)

    async def _choose_question(self, ctx: Context) -> None:
        session = ctx.pack.sessions_by_key[ctx.draft["session"]]
        pairs = [(q.key, str(number)) for number, q in enumerate(session.questions, start=1)]
        chosen = ctx.pick([*pairs, (BACK, ctx.t._("Back"))])
        if chosen == BACK:
            await self._list_sessions(ctx)
        elif chosen is None:
            expected(ctx, ctx.t._("Please tap a question, or type its number."))
        else:
            await self._show_answer(ctx, session.key, chosen)

    async def _act_on_answer(self, ctx: Context) -> None:
        session = ctx.pack.sessions_by_key[ctx.draft["session"]]
        chosen = ctx.pick([(EDIT, ctx.t._("Change this answer")), (BACK, ctx.t._("Back"))])
        if chosen == BACK:
            await self.show_session(ctx, session.key)
        elif chosen == EDIT:
            index = next(
                i for i, q in enumerate(session.questions) if q.key == ctx.draft["question"]
            )
            await self.consultation.enter(ctx, session, index=index, mode="edit")
        else:
            expected(ctx, ctx.t._("Please tap one of the buttons."))
