"""Telegram's flood limits on sending, for tests of how the bot paces a fan-out.

Off by default: most tests send a handful of messages and should not depend on
the clock. The limits are the ones Telegram documents for bots: about 30
messages a second overall, one a second per private chat, 20 a minute per group.
"""

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from .errors import ApiError
from .objects import Chat

_FORWARDING = {"copyMessage", "copyMessages", "forwardMessage", "forwardMessages"}


def posts_message(method: str) -> bool:
    return (method.startswith("send") and method != "sendChatAction") or method in _FORWARDING


@dataclass(frozen=True)
class _Limit:
    count: int
    seconds: float


class FloodControl:
    def __init__(
        self,
        *,
        overall: tuple[int, float] = (30, 1.0),
        private: tuple[int, float] = (1, 1.0),
        group: tuple[int, float] = (20, 60.0),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.enabled = False
        self._overall = _Limit(*overall)
        self._private = _Limit(*private)
        self._group = _Limit(*group)
        self._clock = clock
        self._sent: deque[tuple[float, int]] = deque()

    def check(self, chat: Chat) -> None:
        """Count a message to chat, or raise 429 with the wait Telegram would ask for."""
        if not self.enabled:
            return
        now = self._clock()
        horizon = max(self._overall.seconds, self._private.seconds, self._group.seconds)
        while self._sent and self._sent[0][0] <= now - horizon:
            self._sent.popleft()
        per_chat = self._private if chat.type == "private" else self._group
        waits = [
            self._wait(now, self._overall, [t for t, _ in self._sent]),
            self._wait(now, per_chat, [t for t, chat_id in self._sent if chat_id == chat.id]),
        ]
        retry_after = max(waits)
        if retry_after > 0:
            raise ApiError(
                429,
                f"Too Many Requests: retry after {retry_after}",
                parameters={"retry_after": retry_after},
                scripted=True,
            )
        self._sent.append((now, chat.id))

    @staticmethod
    def _wait(now: float, limit: _Limit, times: list[float]) -> int:
        recent = [t for t in times if t > now - limit.seconds]
        if len(recent) < limit.count:
            return 0
        return max(1, math.ceil(recent[-limit.count] + limit.seconds - now))
