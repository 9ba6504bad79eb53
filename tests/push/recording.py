"""A platform that records what it is asked to send and answers scripted outcomes.

It stands in for a chat service (not for any of our code), so the push engine's
tests can script what a platform answers without a network.
"""

from __future__ import annotations

from collections import defaultdict, deque

from bot.models import ChatAddress
from bot.push.protocol import Outcome, Sent
from bot.render_plain import render_plain
from bot.reply import Reply


class RecordingPlatform:
    name = "test"

    def __init__(self) -> None:
        self.sent: dict[str, list[str]] = defaultdict(list)
        self.attempts: list[str] = []
        self._script: dict[str, deque[Outcome]] = defaultdict(deque)

    def answer(self, chat_id: str, *outcomes: Outcome) -> None:
        """The next sends to `chat_id` get these outcomes, then `Sent` again."""
        self._script[chat_id].extend(outcomes)

    async def send(self, address: ChatAddress, message: Reply) -> Outcome:
        self.attempts.append(address.chat_id)
        script = self._script[address.chat_id]
        outcome = script.popleft() if script else Sent()
        if isinstance(outcome, Sent):
            self.sent[address.chat_id].append(render_plain(message))
        return outcome
