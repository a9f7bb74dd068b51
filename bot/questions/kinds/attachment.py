"""A document or a voice note, kept in the attachment store and referred to by the answer."""

from __future__ import annotations

from typing import Literal

from bot.core.messages import InboundKind
from bot.questions.base import (
    Answered,
    AnswerInput,
    Asked,
    Expected,
    Parsed,
    QuestionKind,
    Shown,
    Value,
)


class AttachmentValue(Value):
    type: Literal["attachment"] = "attachment"
    attachment_id: int | None = None  # filled when the file's row is stored
    kind: str  # "document" or "voice"
    filename: str | None = None


class AttachmentKind(QuestionKind):
    name = "attachment"
    value_model = AttachmentValue

    def show(self, asked: Asked) -> Shown:
        return Shown(asked.t._("Send a document or a voice note."))

    def parse(self, asked: Asked, given: AnswerInput) -> Parsed:
        t = asked.t
        attachment = given.attachment
        if given.kind != InboundKind.ATTACHMENT or attachment is None:
            if asked.question.optional:
                return Expected(t._("Please send a document or a voice note, or tap Skip."))
            return Expected(t._("Please send a document or a voice note."))
        value = AttachmentValue(kind=attachment.kind, filename=attachment.filename)
        return Answered(value, attachment=attachment)

    def describe(self, value: Value, asked: Asked) -> str:
        assert isinstance(value, AttachmentValue)
        t = asked.t
        kind = t._("voice note") if value.kind == "voice" else t._("document")
        return f"{kind}: {value.filename or '—'}"


KIND = AttachmentKind()
