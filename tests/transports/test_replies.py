"""The one reply loop of every transport: folding short replies, the 429 policy."""

from __future__ import annotations

from bot.core.delivery import RateLimited, Unreachable
from bot.core.messages import Address, Choice, Document, Reply
from bot.transports.base import Limits, answer, combined

QUESTION = Reply("Which objectives?", (Choice("14", "t:14"),), key="ask.question.objectives")


def test_a_short_reply_is_folded_into_the_next_one() -> None:
    """ "Saved." then the next question: one message whose preface is "Saved."."""
    [one] = combined([Reply("Saved.", key="answer.saved"), QUESTION], 4096)
    assert (one.key, one.text, one.preface) == (QUESTION.key, QUESTION.text, "Saved.")
    assert one.shown == "Saved.\n\nWhich objectives?"


def test_buttons_files_and_length_keep_replies_apart() -> None:
    """A reply with buttons or a file, or a fold past the platform's length, is not folded."""
    file = Reply("Here is the export.", document=Document("a.csv", b"x"), key="export.document")
    assert len(combined([QUESTION, Reply("Next")], 4096)) == 2
    assert len(combined([Reply("Saved."), file], 4096)) == 2
    assert len(combined([Reply("x" * 100), Reply("y" * 100)], 150)) == 2
    three = combined([Reply("a"), Reply("b"), QUESTION], 4096)
    assert [(r.preface, r.text) for r in three] == [("a\n\nb", QUESTION.text)]


class Recording:
    """A transport that refuses as told and records what it sent."""

    platform = "test"
    limits = Limits(messages_per_second=1000)

    def __init__(self, refusals: list[Exception]) -> None:
        self.refusals, self.sent = refusals, []

    async def send(self, address: Address, reply: Reply) -> None:
        if self.refusals:
            raise self.refusals.pop(0)
        self.sent.append(reply.shown)


async def test_one_short_pause_is_waited_out_and_a_block_stops_the_rest() -> None:
    """A 429 of 0 s is retried once; Unreachable stops the remaining replies."""
    transport = Recording([RateLimited(0.0)])
    await answer(transport, Address("test", "1"), [Reply("a", (Choice("x", "t:x"),))], "u1")
    assert transport.sent == ["a"]
    blocked = Recording([Unreachable("blocked")])
    replies = [Reply("a", (Choice("x", "t:x"),)), Reply("b", (Choice("y", "t:y"),))]
    await answer(blocked, Address("test", "1"), replies, "u2")
    assert blocked.sent == []


async def test_a_long_pause_drops_the_reply_and_the_next_goes() -> None:
    """A pause longer than REPLY_WAIT drops that reply, not the ones after it."""
    transport = Recording([RateLimited(3600.0)])
    replies = [Reply("a", (Choice("x", "t:x"),)), Reply("b", (Choice("y", "t:y"),))]
    await answer(transport, Address("test", "1"), replies, "u3")
    assert transport.sent == ["b"]
