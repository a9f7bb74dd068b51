"""The console transport as a user meets it: `consultbot chat` in a real process."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from pathlib import Path

import pytest

from bot.core.attachments import AttachmentStore
from bot.core.messages import Choice, InboundKind, Reply
from bot.transports.console import ConsoleTransport

REGISTRATION = [
    "English",
    "I agree",
    "Red Migrante",
    "3",
    "chile",
    "Skip",
    "Yes, you may name us",
    "Yes, publish them",
    "Yes, remind me",
]
SESSION_1 = [
    "/consult inclusion",
    "1",
    "Done",
    "Progress in our city.",
    "Done",
    "Challenges remain.",
    "Done",
    "2",
    "3",
    "Done",
    "Skip",
    "Skip",
]


def _environment(tmp_path: Path) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "SLACK_"))}
    environment["DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'chat.db'}"
    return environment


async def _chat_process(tmp_path: Path, stderr: int) -> asyncio.subprocess.Process:
    """`consultbot chat` for user demo in English, on a SQLite file in tmp_path."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "chat",
        "--user",
        "demo",
        "--lang",
        "en",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=stderr,
        cwd=tmp_path,
        env=_environment(tmp_path),
    )


def _answers(tmp_path: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(tmp_path / "chat.db") as connection:
        return connection.execute(
            "SELECT question_key, value FROM answers WHERE current ORDER BY id"
        ).fetchall()


@pytest.mark.slow
async def test_piped_registration_and_session(tmp_path: Path) -> None:
    """A piped script registers and completes session 1 without a terminal, then exits."""
    script = "\n".join(REGISTRATION + SESSION_1) + "\n"
    process = await _chat_process(tmp_path, stderr=asyncio.subprocess.PIPE)
    stdout, stderr = await asyncio.wait_for(process.communicate(script.encode()), 60)
    output = stdout.decode()
    assert process.returncode == 0, stderr.decode()
    assert "[1] English" in output and "You are registered" in output
    assert "Session complete" in output
    answers = dict(_answers(tmp_path))
    assert answers["objectives"] == '{"objectives": [14]}'
    assert answers["cooperation"] == '{"options": ["capacity", "policy"]}'
    assert answers["evidence"] == '{"skipped": true}'


class _Process:
    """A `consultbot chat` process we can type into and kill."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.output = ""

    @classmethod
    async def start(cls, tmp_path: Path) -> _Process:
        process = await _chat_process(tmp_path, stderr=asyncio.subprocess.DEVNULL)
        return cls(process)

    async def wait_for(self, marker: str) -> None:
        while marker not in self.output:
            line = await asyncio.wait_for(self.process.stdout.readline(), 30)
            assert line, f"process ended before {marker!r}: {self.output[-500:]}"
            self.output += line.decode()

    async def type(self, line: str, wait: str | None = None) -> None:
        self.process.stdin.write(f"{line}\n".encode())
        await self.process.stdin.drain()
        if wait:
            await self.wait_for(wait)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)


@pytest.mark.slow
async def test_killed_mid_session_resumes_at_the_same_question(tmp_path: Path) -> None:
    """SIGKILL at any moment, then a restart: the stakeholder is at the question they were on."""
    chat = await _Process.start(tmp_path)
    await chat.wait_for("[2]")
    for line in REGISTRATION:
        await chat.type(line, wait=f"> {line}")
    await chat.wait_for("You are registered")
    for line in SESSION_1[:5]:
        await chat.type(line)
    await chat.wait_for("Inclusion · 3/6")
    await chat.type("Half an answer")  # killed with no wait: it may or may not have landed
    chat.kill()
    await chat.process.wait()

    again = await _Process.start(tmp_path)
    await again.wait_for("Welcome back")
    await again.wait_for("[1]")
    assert "Inclusion · 3/6" in again.output, again.output[-800:]
    await again.type("The rest of it.")
    await again.type("Done", wait="4/6")
    again.process.stdin.close()
    await again.process.wait()
    answers = dict(_answers(tmp_path))
    assert answers["challenges"] in (
        '{"text": "Half an answer\\n\\nThe rest of it."}',
        '{"text": "The rest of it."}',
    )
    assert list(answers) == ["objectives", "progress", "challenges"]


async def test_console_maps_numbers_labels_commands_and_files(tmp_path: Path) -> None:
    """A number or a label picks a shown choice; /x is a command; /attach sends a file."""
    console = ConsoleTransport(
        user_id="ana", downloads=tmp_path, attachments=AttachmentStore(tmp_path / "files")
    )
    import io

    console.stdout = io.StringIO()
    await console.send(None, Reply("Pick", (Choice("✓ Yes", "t:yes"), Choice("No", "t:no"))))
    assert console.to_inbound("2").choice == "t:no"
    assert console.to_inbound("yes").choice == "t:yes"
    assert console.to_inbound("/consult inclusion").command == "consult"
    assert console.to_inbound("free text").kind == InboundKind.TEXT
    report = tmp_path / "report.pdf"
    report.write_bytes(b"%PDF")
    inbound = console.to_inbound(f"/attach {report}")
    assert inbound.kind == InboundKind.ATTACHMENT and inbound.attachment.filename == "report.pdf"
    assert "[1] ✓ Yes" in console.stdout.getvalue()
