"""/consult: the pack's sessions, their questions in order, every answer type.

The draft holds the session, the question index and what is being written (text parts, a
selection, a pledge in progress), so a stakeholder who drops off resumes at the same question.
"""

from __future__ import annotations

from typing import Any

from bot.core.messages import InboundKind
from bot.pack import Question, QuestionType, Session
from handlers import pledge as pledge_steps
from handlers.answer_text import describe, objective_label, option_label
from handlers.base import Context, Flow, command_choice
from handlers.common import expected, main_menu
from handlers.question_view import (
    BACK,
    DONE,
    KEEP,
    RESTART,
    SKIP,
    answer_choices,
    instruction,
    navigation,
)
from storage.answers import (
    add_attachment,
    current_answers,
    link_attachment,
    save_answer,
    save_pledge,
)

PREVIEW = 300


def session_label(ctx: Context, session: Session) -> str:
    title = ctx.text(session.short_title or session.title)
    return f"{session.number}. {title}" if session.number else title


class ConsultationFlow(Flow):
    name = "consultation"

    def __init__(self, after_edit: Any = None) -> None:
        self.after_edit = after_edit  # the /answers flow, where an edit returns to

    # -- entering ---------------------------------------------------------------------------

    async def start(self, ctx: Context) -> None:
        wanted = ctx.inbound.args.strip().lower()
        session = next(
            (s for s in ctx.pack.sessions if wanted and wanted in (s.key, str(s.number))), None
        )
        if session is not None:
            await self.enter(ctx, session)
            return
        if ctx.conversation.flow == self.name and ctx.conversation.step == "question":
            await self.prompt(ctx)  # /consult mid-session resumes the question
            return
        ctx.goto(self.name, "sessions", {})
        await self._list_sessions(ctx)

    async def _list_sessions(self, ctx: Context) -> None:
        t = ctx.t
        answered = await current_answers(ctx.session, ctx.stakeholder.id)
        choices = []
        for session in ctx.pack.sessions:
            done = sum(1 for q in session.questions if (session.key, q.key) in answered)
            label = f"{session_label(ctx, session)} ({done}/{len(session.questions)})"
            choices.append(
                ctx.choice(("✓ " if done == len(session.questions) else "") + label, session.key)
            )
        ctx.say(
            t._("Choose a session. You can answer them in any order."), choices, key="ask.session"
        )

    async def enter(
        self, ctx: Context, session: Session, index: int | None = None, mode: str = "run"
    ) -> None:
        answered = await current_answers(ctx.session, ctx.stakeholder.id, session.key)
        if index is None:
            index = next(
                (
                    i
                    for i, q in enumerate(session.questions)
                    if (session.key, q.key) not in answered
                ),
                None,
            )
        if index is None:
            t = ctx.t
            ctx.goto(self.name, "sessions", {})
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
        if index == 0 and mode == "run":
            self._introduce(ctx, session)
        self._go(ctx, session, index, mode)
        await self.prompt(ctx)

    def _introduce(self, ctx: Context, session: Session) -> None:
        lines = [ctx.text(session.title).upper()]
        if session.intro:
            lines.append(ctx.text(session.intro))
        if session.objectives:
            lines.append(ctx.t._("GCM objectives of this session:"))
            lines += [f"• {objective_label(ctx, number)}" for number in session.objectives]
        ctx.say("\n".join(lines), key="session.intro")

    def _go(self, ctx: Context, session: Session, index: int, mode: str) -> None:
        question = session.questions[index]
        ctx.goto(
            self.name,
            "question",
            {"session": session.key, "index": index, "mode": mode},
            scope=f"{session.key}.{question.key}",
        )

    # -- where we are -----------------------------------------------------------------------

    def _where(self, ctx: Context) -> tuple[Session, int, Question]:
        session = ctx.pack.sessions_by_key[ctx.draft["session"]]
        index = min(ctx.draft["index"], len(session.questions) - 1)
        return session, index, session.questions[index]

    async def prompt(self, ctx: Context) -> None:
        if ctx.conversation.step == "sessions":
            await self._list_sessions(ctx)
            return
        session, index, question = self._where(ctx)
        if question.type == QuestionType.PLEDGE and ctx.draft.get("pstep"):
            await pledge_steps.prompt(ctx, session, question)
            return
        t = ctx.t
        lines = [
            f"{session_label(ctx, session)} · {index + 1}/{len(session.questions)}",
            ctx.text(question.text),
        ]
        if question.help:
            lines.append(f"({ctx.text(question.help)})")
        current = await self._current(ctx, session, question)
        if current is not None:
            shown = describe(ctx, question, current)
            shown = shown if len(shown) <= PREVIEW else shown[:PREVIEW] + "…"
            lines.append(t._("Your saved answer: {answer}", answer=shown))
        lines.append(instruction(ctx, question))
        choices = answer_choices(ctx, session, question)
        choices += navigation(ctx, question, index, current is not None)
        columns = (
            2 if question.type in (QuestionType.OBJECTIVES, QuestionType.MULTIPLE_CHOICE) else 1
        )
        ctx.say(
            "\n\n".join(lines), choices, key=f"ask.question.{question.type.value}", columns=columns
        )

    async def _current(self, ctx: Context, session: Session, question: Question) -> Any:
        answers = await current_answers(ctx.session, ctx.stakeholder.id, session.key)
        answer = answers.get((session.key, question.key))
        return answer.value if answer else None

    async def handle(self, ctx: Context) -> None:
        if ctx.conversation.step == "sessions":
            await self._choose_session(ctx)
            return
        session, index, question = self._where(ctx)
        if ctx.inbound.kind == InboundKind.EDIT:
            self._edit_part(ctx, question)
            return
        if question.type == QuestionType.PLEDGE and ctx.draft.get("pstep"):
            value = await pledge_steps.handle(ctx, session, question)
            if value is not None:
                await self._save(ctx, session, index, question, value)
            return
        chosen = ctx.chosen()
        if chosen == BACK:
            await self._back(ctx, session, index)
        elif chosen == KEEP:
            await self._advance(ctx, session, index)
        elif chosen == SKIP and question.optional:
            await self._save(ctx, session, index, question, {"skipped": True})
        else:
            await self._answer(ctx, session, index, question, chosen)

    async def _choose_session(self, ctx: Context) -> None:
        pairs = [(s.key, session_label(ctx, s)) for s in ctx.pack.sessions]
        chosen = ctx.pick(pairs)
        if chosen is None:
            expected(ctx, ctx.t._("Please tap a session."))
            return
        await self.enter(ctx, ctx.pack.sessions_by_key[chosen])

    async def _answer(
        self, ctx: Context, session: Session, index: int, question: Question, chosen: str | None
    ) -> None:
        kind = question.type
        if kind == QuestionType.TEXT:
            await self._text(ctx, session, index, question, chosen)
        elif kind == QuestionType.SINGLE_CHOICE:
            await self._single(ctx, session, index, question)
        elif kind in (QuestionType.MULTIPLE_CHOICE, QuestionType.OBJECTIVES):
            await self._multiple(ctx, session, index, question, chosen)
        elif kind == QuestionType.ATTACHMENT:
            await self._attachment(ctx, session, index, question)
        elif chosen == "pledge":
            pledge_steps.begin(ctx, session, question)
            await pledge_steps.prompt(ctx, session, question)
        else:
            expected(ctx, ctx.t._("Tap “Make a pledge”, or use the other buttons."))

    async def _text(
        self, ctx: Context, session: Session, index: int, question: Question, chosen: str | None
    ) -> None:
        t = ctx.t
        parts: list[dict[str, Any]] = list(ctx.draft.get("parts") or [])
        if chosen == DONE and parts:
            text = "\n\n".join(part["text"] for part in parts)
            await self._save(ctx, session, index, question, {"text": text})
            return
        if chosen == RESTART:
            ctx.update_draft(parts=[])
            ctx.say(t._("Cleared. Write your answer again."), key="text.cleared")
            return
        if ctx.inbound.kind != InboundKind.TEXT:
            expected(ctx, t._("Please write your answer as text."))
            return
        text = ctx.inbound.text.strip()
        if not text:
            ctx.say(t._("That message is empty. Please write your answer."), key="error.empty")
            return
        total = sum(len(part["text"]) for part in parts) + len(text)
        if total > question.max_length:
            ctx.say(
                t._(
                    "That would make the answer longer than {limit} characters. "
                    "Shorten it, or tap Done to save what you have.",
                    limit=question.max_length,
                ),
                key="error.long",
            )
            return
        parts.append({"ref": ctx.inbound.message_ref, "text": text})
        ctx.update_draft(parts=parts)
        ctx.say(
            t._("Added ({count} characters so far). Send more, or tap Done.", count=total),
            [ctx.choice(t._("Done"), DONE), ctx.choice(t._("Start over"), RESTART)],
            key="text.added",
        )

    def _edit_part(self, ctx: Context, question: Question) -> None:
        t = ctx.t
        parts = list(ctx.draft.get("parts") or [])
        ref = ctx.inbound.message_ref
        for position, part in enumerate(parts):
            if ref and part.get("ref") == ref:
                parts[position] = {"ref": ref, "text": ctx.inbound.text.strip()}
                ctx.update_draft(parts=parts)
                ctx.say(t._("Updated the text you edited."), key="text.edited")
                return
        ctx.say(
            t._(
                "Edits to sent messages don't change saved answers. "
                "To change an answer, use /answers."
            ),
            key="edit.ignored",
        )

    async def _single(self, ctx: Context, session: Session, index: int, question: Question) -> None:
        pairs = [(f"o:{o.key}", ctx.text(o.label)) for o in question.options]
        chosen = ctx.pick(pairs)
        if chosen is None:
            expected(ctx, ctx.t._("Please tap one of the answers."))
            return
        await self._save(ctx, session, index, question, {"option": chosen.removeprefix("o:")})

    async def _multiple(
        self, ctx: Context, session: Session, index: int, question: Question, chosen: str | None
    ) -> None:
        t = ctx.t
        selected: list[str] = list(ctx.draft.get("selected") or [])
        if chosen == DONE:
            if not selected:
                text = (
                    t._("Tap at least one, or Skip.")
                    if question.optional
                    else t._("Tap at least one.")
                )
                ctx.say(text, key="error.none_selected")
                return
            if question.type == QuestionType.OBJECTIVES:
                value = {"objectives": sorted(int(n) for n in selected)}
            else:
                order = [o.key for o in question.options]
                value = {"options": sorted(selected, key=order.index)}
            await self._save(ctx, session, index, question, value)
            return
        toggled = self._toggled(ctx, session, question)
        if toggled is None:
            expected(ctx, t._("Tap the buttons to choose, then Done."))
            return
        for item in toggled:
            selected.remove(item) if item in selected else selected.append(item)
        ctx.update_draft(selected=selected)
        await self.prompt(ctx)

    def _toggled(self, ctx: Context, session: Session, question: Question) -> list[str] | None:
        if question.type == QuestionType.OBJECTIVES:
            valid = {str(n) for n in session.objectives}
            chosen = ctx.chosen()
            if chosen and chosen.startswith("n:") and chosen[2:] in valid:
                return [chosen[2:]]
            if ctx.inbound.kind == InboundKind.TEXT:
                typed = ctx.inbound.text.replace(",", " ").split()
                if typed and all(item in valid for item in typed):
                    return typed
            return None
        pairs = [(f"o:{o.key}", option_label(ctx, question, o.key)) for o in question.options]
        chosen = ctx.pick(pairs)
        return [chosen.removeprefix("o:")] if chosen else None

    async def _attachment(
        self, ctx: Context, session: Session, index: int, question: Question
    ) -> None:
        attachment = ctx.inbound.attachment
        if ctx.inbound.kind != InboundKind.ATTACHMENT or attachment is None:
            if question.optional:
                hint = ctx.t._("Please send a document or a voice note, or tap Skip.")
            else:
                hint = ctx.t._("Please send a document or a voice note.")
            expected(ctx, hint)
            return
        row = await add_attachment(
            ctx.session,
            stakeholder_id=ctx.stakeholder.id,
            platform=ctx.inbound.platform,
            platform_file_id=attachment.platform_file_id,
            kind=attachment.kind,
            filename=attachment.filename,
            mime_type=attachment.mime_type,
            size=attachment.size,
            stored_path=attachment.stored_path,
        )
        value = {"attachment_id": row.id, "kind": attachment.kind, "filename": attachment.filename}
        answer = await self._save(ctx, session, index, question, value)
        await link_attachment(ctx.session, row.id, answer)

    async def _save(
        self, ctx: Context, session: Session, index: int, question: Question, value: dict[str, Any]
    ) -> int:
        answer = await save_answer(
            ctx.session, ctx.stakeholder.id, session.key, question.key, value, ctx.language
        )
        if question.type == QuestionType.PLEDGE and not value.get("skipped"):
            await save_pledge(ctx.session, answer, value, ctx.language)
        ctx.say(ctx.t._("Saved."), key="answer.saved")
        await self._advance(ctx, session, index)
        return answer.id

    # -- moving -----------------------------------------------------------------------------

    async def _back(self, ctx: Context, session: Session, index: int) -> None:
        if ctx.draft.get("mode") == "edit" and self.after_edit is not None:
            await self.after_edit.show_session(ctx, session.key)
        elif index == 0:
            ctx.goto(self.name, "sessions", {})
            await self._list_sessions(ctx)
        else:
            self._go(ctx, session, index - 1, ctx.draft.get("mode", "run"))
            await self.prompt(ctx)

    async def _advance(self, ctx: Context, session: Session, index: int) -> None:
        if ctx.draft.get("mode") == "edit" and self.after_edit is not None:
            await self.after_edit.show_session(ctx, session.key)
            return
        if index + 1 < len(session.questions):
            self._go(ctx, session, index + 1, "run")
            await self.prompt(ctx)
            return
        await self._finish(ctx, session)

    async def _finish(self, ctx: Context, session: Session) -> None:
        t = ctx.t
        answered = await current_answers(ctx.session, ctx.stakeholder.id)
        remaining = [
            s for s in ctx.pack.sessions if any((s.key, q.key) not in answered for q in s.questions)
        ]
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
        ctx.goto(self.name, "sessions", {})
        ctx.say(
            t._("Session complete. Thank you!"),
            [
                ctx.choice(session_label(ctx, remaining[0]), remaining[0].key),
                command_choice(t._("My answers"), "answers"),
                command_choice(t._("Menu"), "menu"),
            ],
            key="session.complete",
        )
