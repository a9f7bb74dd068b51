"""The fuzz: a hypothesis state machine sends arbitrary sequences of updates to the engine.

Commands, any Unicode text (control characters, lone surrogates), shown, stale and forged
buttons, files where text is expected, edits, language switches, /cancel, /forget, blocks,
group messages and redeliveries, from three people (one an organizer and rapporteur). After
every step: no exception escaped (nothing FAILED), every input was answered or deliberately
ignored, and the invariants hold: one conversation per stakeholder, answers only for the
pack's questions and readable by their type, nothing personal stored without consent.

`make test` runs a few dozen sequences on each backend; `make stress` runs thousands
(FUZZ_EXAMPLES, FUZZ_STEPS).
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import func, select

from bot.core.flood import FloodGate
from bot.core.messages import AttachmentRef, Choice, Inbound, InboundKind, Outcome
from bot.pack import load_pack
from bot.questions import Unreadable, read_value
from handlers.registry import COMMANDS
from storage.db import Database
from storage.models import Answer, Attachment, Conversation, Pledge, Stakeholder
from tests.conftest import POSTGRES_URL, empty_tables, shared_postgres_url, sqlite_template
from tests.dialog import make_engine

PACK = load_pack("lac-2025")
QUESTIONS = {(s.key, q.key): q for s in PACK.sessions for q in s.questions}
USERS = ("ana", "ben", "org")
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))
STEPS = int(os.environ.get("FUZZ_STEPS", "40"))
# Deliberately silent: the platform's own notices, and a group told once already.
SILENT_KINDS = {InboundKind.BLOCKED, InboundKind.UNBLOCKED, InboundKind.GROUP}

nasty = st.sampled_from(
    ["\x00", "\x0b", "\x1b[2J", "\ud800", "\r\n", "\u202e", "🏳️‍🌈", "ñ", "e\u0301", "<b>x</b>"]
)
texts = st.one_of(
    st.text(max_size=60),
    st.lists(st.one_of(nasty, st.text(max_size=5)), max_size=8).map("".join),
    st.sampled_from(["Chile", "México", "jamaica", "a@b.org", "Done", "Listo", "1", "2", "Skip"]),
    st.integers(1, 25_000).map(lambda n: "x" * n),
)
commands = st.one_of(st.sampled_from(sorted(COMMANDS)), st.text(min_size=1, max_size=12))


class EngineMachine(RuleBasedStateMachine):
    """Three people talking to one engine over a fresh database."""

    backend = "sqlite"

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.directory = Path(tempfile.mkdtemp(prefix="consultbot-fuzz-"))
        self.database = self.loop.run_until_complete(self._database())
        self.engine = make_engine(
            self.database,
            PACK,
            self.directory,
            organizers=["console:org"],
            rapporteurs=["console:org"],
        )
        self.now = 0.0
        self.engine.flood = FloodGate(clock=lambda: self.now)
        self.ids = itertools.count(1)
        self.shown: dict[str, list[Choice]] = {user: [] for user in USERS}
        self.stale: list[Choice] = []
        self.refs: dict[str, list[str]] = {user: [] for user in USERS}
        self.last: Inbound | None = None

    async def _database(self) -> Database:
        if self.backend == "sqlite":
            target = self.directory / "fuzz.db"
            shutil.copyfile(await sqlite_template(), target)
            return Database(f"sqlite+aiosqlite:///{target}")
        database = Database(await shared_postgres_url())
        await empty_tables(database)
        return database

    def teardown(self) -> None:
        self.loop.run_until_complete(self.database.dispose())
        self.loop.close()
        shutil.rmtree(self.directory, ignore_errors=True)

    # -- sending ------------------------------------------------------------------------------

    def send(self, user: str, kind: InboundKind, **values: object) -> None:
        ref = values.pop("message_ref", None) or f"m{next(self.ids)}"
        inbound = Inbound(
            "console", user, f"chat-{user}", f"u{next(self.ids)}", kind,
            message_ref=str(ref), locale_hint="en", **values,  # type: ignore[arg-type]  # Inbound fields by name
        )  # fmt: skip
        self.deliver(inbound)

    def deliver(self, inbound: Inbound) -> None:
        self.now += 0.5  # a brisk human pace: flood control lets it through
        handled = self.loop.run_until_complete(self.engine.process(inbound))
        assert handled.outcome != Outcome.FAILED, f"an exception escaped for {inbound}"
        answered = bool(handled.replies)
        silent = inbound.kind in SILENT_KINDS or handled.outcome != Outcome.HANDLED
        assert answered or silent, f"no answer to {inbound}"
        buttons = [choice for reply in handled.replies for choice in reply.choices]
        if buttons:
            self.stale += self.shown[inbound.user_id]
            self.shown[inbound.user_id] = buttons
        if inbound.kind == InboundKind.TEXT and inbound.message_ref:
            self.refs[inbound.user_id].append(inbound.message_ref)
        self.last = inbound

    # -- rules ---------------------------------------------------------------------------------

    @rule(user=st.sampled_from(USERS), name=commands, args=texts)
    def command(self, user: str, name: str, args: str) -> None:
        self.send(user, InboundKind.COMMAND, command=name, args=args, text=f"/{name} {args}")

    def tap(self, user: str, index: int) -> None:
        if self.shown[user]:
            choice = self.shown[user][index % len(self.shown[user])]
            self.send(user, InboundKind.CHOICE, choice=choice.data, text=choice.label)

    @rule(user=st.sampled_from(USERS), organization=texts, language=st.integers(0, 3))
    def register(self, user: str, organization: str, language: int) -> None:
        """A whole registration, with any organization name: it takes the fuzz deeper."""
        self.send(user, InboundKind.COMMAND, command="start", text="/start")
        self.tap(user, language)
        self.tap(user, 0)  # I agree
        self.send(user, InboundKind.TEXT, text=organization or "Red")
        self.send(user, InboundKind.TEXT, text="Red Migrante")
        self.tap(user, 2)
        self.send(user, InboundKind.TEXT, text="Chile")
        self.tap(user, 0)  # Skip the email
        self.tap(user, 0)
        self.tap(user, 0)

    @rule(user=st.sampled_from(USERS), session=st.sampled_from([s.key for s in PACK.sessions]))
    def consult(self, user: str, session: str) -> None:
        self.send(user, InboundKind.COMMAND, command="consult", args=session, text="/consult")

    @rule(user=st.sampled_from(USERS), text=texts)
    def text(self, user: str, text: str) -> None:
        self.send(user, InboundKind.TEXT, text=text)

    @precondition(lambda self: any(self.shown.values()))
    @rule(data=st.data())
    def tap_shown(self, data: st.DataObject) -> None:
        user = data.draw(st.sampled_from([u for u in USERS if self.shown[u]]))
        choice = data.draw(st.sampled_from(self.shown[user]))
        self.send(user, InboundKind.CHOICE, choice=choice.data, text=choice.label)

    @precondition(lambda self: bool(self.stale))
    @rule(user=st.sampled_from(USERS), data=st.data())
    def tap_stale(self, user: str, data: st.DataObject) -> None:
        choice = data.draw(st.sampled_from(self.stale))
        self.send(user, InboundKind.CHOICE, choice=choice.data, text=choice.label)

    @rule(user=st.sampled_from(USERS), data=st.text(max_size=64))
    def tap_forged(self, user: str, data: str) -> None:
        self.send(user, InboundKind.CHOICE, choice=data)

    @rule(user=st.sampled_from(USERS), kept=st.booleans(), name=texts)
    def attach(self, user: str, kept: bool, name: str) -> None:
        file_id = f"f{next(self.ids)}"
        path = self.engine.attachments.save("console", file_id, name, b"%PDF") if kept else None
        ref = AttachmentRef(
            file_id, "document", filename=name or None, stored_path=str(path) if path else None
        )
        self.send(user, InboundKind.ATTACHMENT, attachment=ref)

    @precondition(lambda self: any(self.refs.values()))
    @rule(data=st.data(), text=texts)
    def edit(self, data: st.DataObject, text: str) -> None:
        user = data.draw(st.sampled_from([u for u in USERS if self.refs[u]]))
        ref = data.draw(st.sampled_from(self.refs[user]))
        self.send(user, InboundKind.EDIT, text=text, message_ref=ref)

    @rule(
        user=st.sampled_from(USERS),
        kind=st.sampled_from(
            [InboundKind.UNSUPPORTED, InboundKind.BLOCKED, InboundKind.UNBLOCKED, InboundKind.GROUP]
        ),
    )
    def other(self, user: str, kind: InboundKind) -> None:
        self.send(user, kind, text="sticker")

    @precondition(lambda self: self.last is not None)
    @rule()
    def redelivery(self) -> None:
        assert self.last is not None
        handled = self.loop.run_until_complete(self.engine.process(self.last))
        assert handled.outcome in (Outcome.DUPLICATE, Outcome.THROTTLED), handled

    # -- invariants ----------------------------------------------------------------------------

    @invariant()
    def stored_data_is_consistent(self) -> None:
        self.loop.run_until_complete(self._check())

    async def _check(self) -> None:
        async with self.database.transaction() as session:
            doubled = await session.scalar(
                select(func.count()).select_from(
                    select(Conversation.stakeholder_id)
                    .group_by(Conversation.stakeholder_id)
                    .having(func.count() > 1)
                    .subquery()
                )
            )
            assert doubled == 0, "a stakeholder with two conversations"
            for answer in await session.scalars(select(Answer)):
                question = QUESTIONS.get((answer.session_key, answer.question_key))
                assert question is not None, (answer.session_key, answer.question_key)
                assert not isinstance(read_value(question, answer.value), Unreadable), answer.value
            unconsented = select(Stakeholder.id).where(Stakeholder.consented_at.is_(None))
            personal = await session.scalar(
                select(func.count())
                .select_from(Stakeholder)
                .where(
                    Stakeholder.consented_at.is_(None),
                    (Stakeholder.organization.is_not(None))
                    | (Stakeholder.category.is_not(None))
                    | (Stakeholder.country.is_not(None))
                    | (Stakeholder.email.is_not(None)),
                )
            )
            assert personal == 0, "personal data without consent"
            for model in (Answer, Attachment, Pledge):
                count = await session.scalar(
                    select(func.count())
                    .select_from(model)
                    .where(model.stakeholder_id.in_(unconsented))
                )
                assert count == 0, f"{model.__tablename__} without consent"


class PostgresMachine(EngineMachine):
    backend = "postgres"


FUZZ = settings(
    max_examples=EXAMPLES,
    stateful_step_count=STEPS,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=os.environ.get("FUZZ_RANDOM") is None,  # make test: the same sequences each run
)
TestFuzzSqlite = EngineMachine.TestCase
TestFuzzSqlite.settings = FUZZ


@pytest.mark.postgres
class TestFuzzPostgres(PostgresMachine.TestCase):  # type: ignore[misc,valid-type]  # hypothesis builds it
    settings = settings(FUZZ, max_examples=max(EXAMPLES // 2, 5))

    def setUp(self) -> None:
        if not POSTGRES_URL:
            pytest.skip("TEST_DATABASE_URL is not set")
