"""A guard against chats that send commands faster than any person would.

A chat over the limit is told once that it is being throttled, then ignored until a
quiet period has passed, so a script hammering the bot costs one reply, not many.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from enum import Enum


class Verdict(Enum):
    ANSWER = "answer"
    WARN = "warn"
    IGNORE = "ignore"


class FloodGuard:
    def __init__(
        self,
        per_minute: int,
        quiet_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._per_minute = per_minute
        self._quiet = quiet_seconds
        self._clock = clock
        self._recent: dict[object, deque[float]] = {}
        self._silenced_until: dict[object, float] = {}
        self._checks = 0

    def check(self, chat: object) -> Verdict:
        """Count one command from `chat` and say whether to answer it."""
        now = self._clock()
        self._checks += 1
        if self._checks % 1000 == 0:
            self._forget_quiet_chats(now)
        if self._silenced_until.get(chat, 0.0) > now:
            return Verdict.IGNORE
        self._silenced_until.pop(chat, None)
        recent = self._recent.setdefault(chat, deque())
        while recent and recent[0] <= now - 60:
            recent.popleft()
        recent.append(now)
        if len(recent) <= self._per_minute:
            return Verdict.ANSWER
        recent.clear()
        self._silenced_until[chat] = now + self._quiet
        return Verdict.WARN

    def _forget_quiet_chats(self, now: float) -> None:
        """Drop chats with nothing in the last minute, so memory follows active chats only."""
        self._recent = {
            chat: times for chat, times in self._recent.items() if times and times[-1] > now - 60
        }
        self._silenced_until = {
            chat: until for chat, until in self._silenced_until.items() if until > now
        }
