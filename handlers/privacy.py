"""/mydata and /forget: see everything stored, or erase it after a confirmation."""

from __future__ import annotations

import json
from typing import Any

from bot.core.messages import Document
from handlers.base import Context, Flow, command_choice
from handlers.common import expected, main_menu
from storage.models import Stakeholder
from storage.stakeholders import audit, erase_stakeholder, personal_data, stored_file_paths

PROFILE_COLUMNS = (
    "platform",
    "platform_user_id",
    "chat_id",
    "language",
    "organization",
    "category",
    "country",
    "subregion",
    "email",
    "consent_version",
    "consented_at",
    "attribution_consent",
    "reminders_opt_in",
    "registered_at",
    "unreachable_since",
    "created_at",
    "updated_at",
)


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _row(row: Any, columns: list[str]) -> dict[str, Any]:
    return {column: _plain(getattr(row, column)) for column in columns}


def _columns(model: type) -> list[str]:
    return [column.key for column in model.__table__.columns]


async def everything_about(ctx: Context) -> dict[str, Any]:
    stakeholder: Stakeholder = ctx.stakeholder
    data = await personal_data(ctx.session, stakeholder.id)
    return {
        "profile": _row(stakeholder, list(PROFILE_COLUMNS)),
        **{name: [_row(row, _columns(type(row))) for row in rows] for name, rows in data.items()},
    }


class MyDataFlow(Flow):
    name = "mydata"

    async def start(self, ctx: Context) -> None:
        t = ctx.t
        data = await everything_about(ctx)
        content = json.dumps(data, ensure_ascii=False, indent=2).encode()
        current = sum(1 for answer in data["answers"] if answer["current"])
        ctx.say(
            t.ngettext(
                "This file holds everything stored about you: your profile and {count} answer "
                "(with earlier versions). To erase it all, send /forget.",
                "This file holds everything stored about you: your profile and {count} answers "
                "(with earlier versions). To erase it all, send /forget.",
                current,
            ),
            document=Document("my-data.json", content, "application/json"),
            key="mydata",
        )


class ForgetFlow(Flow):
    name = "forget"

    async def start(self, ctx: Context) -> None:
        ctx.goto(self.name, "confirm", {})
        await self.prompt(ctx)

    async def prompt(self, ctx: Context) -> None:
        t = ctx.t
        ctx.say(
            t._(
                "This erases your profile and all your answers. "
                "It cannot be undone. Erase everything?"
            ),
            [
                ctx.choice(t._("Yes, erase everything"), "yes"),
                ctx.choice(t._("No, keep my data"), "no"),
            ],
            key="ask.forget",
        )

    async def handle(self, ctx: Context) -> None:
        t = ctx.t
        chosen = ctx.pick([("yes", t._("Yes, erase everything")), ("no", t._("No, keep my data"))])
        if chosen is None:
            expected(ctx, t._("Please tap one of the buttons."))
            return
        if chosen == "no":
            main_menu(ctx, t._("Nothing was erased."))
            return
        ctx.services["files_to_delete"] = await stored_file_paths(ctx.session, ctx.stakeholder.id)
        counts = await erase_stakeholder(ctx.session, ctx.stakeholder)
        await audit(
            ctx.session, "stakeholder", "forget", {"stakeholder_id": ctx.stakeholder.id, **counts}
        )
        ctx.erased = True
        ctx.say(
            t._("Done: your profile and answers have been erased. Goodbye, and thank you."),
            [command_choice(t._("Register again"), "start")],
            key="forgotten",
        )
