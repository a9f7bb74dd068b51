"""A document or a voice note, kept in the attachment store and referred to by the answer."""

from __future__ import annotations

from typing import Literal

from bot.core.messages import TOO_LARGE, AttachmentRef, InboundKind
from bot.questions.base import (
    Answered,
    AnswerInput,
    Asked,
    Expected,
    Parsed,
    QuestionKind,
    Refused,
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
        if attachment.stored_path is None:
            return self._not_kept(asked, attachment)
        value = AttachmentValue(kind=attachment.kind, filename=attachment.filename)
        return Answered(value, attachment=attachment)

    def _not_kept(self, asked: Asked, attachment: AttachmentRef) -> Refused:
        """A file the transport could not keep is never "Saved.": say what happened, ask again."""
        t = asked.t
        if attachment.problem == TOO_LARGE:
            return Refused(
                t._("That file is too large for me to keep. Please send a smaller file."),
                "error.file_too_large",
            )
        return Refused(
            t._("I could not save that file. Please send it again."), "error.file_not_kept"
        )

    def describe(self, value: Value, asked: Asked) -> str:
        assert isinstance(value, AttachmentValue)
        t = asked.t
        kind = t._("Voice note") if value.kind == "voice" else t._("Document")
        name = value.filename or (f"#{value.attachment_id}" if value.attachment_id else "—")
        return f"{kind}: {name}"


KIND = AttachmentKind()
