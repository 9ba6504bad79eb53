"""When each push may go out: platform rate limits and per-chat pauses, as pure bookkeeping.

The limiter never sleeps: it answers how long to wait and the sender does the waiting.
Time comes from an injected clock, so hours of sending can be simulated in a test.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

# The tables are swept once they have doubled since the last sweep, so a sweep's cost is
# spread over the calls that grew them; below this size sweeping is not worth its cost.
_MIN_SWEEP = 1024


class Clock(Protocol):
    """A source of seconds that only moves forward."""

    def monotonic(self) -> float: ...


class SystemClock:
    """The process's monotonic clock: a wall-clock jump must not open or close slots."""

    def monotonic(self) -> float:
        return time.monotonic()


@dataclass(frozen=True, slots=True)
class Rate:
    """A platform's limit: at most `count` sends in any window of `per_seconds`."""

    count: int
    per_seconds: float

    def __post_init__(self) -> None:
        if self.count < 1 or not self.per_seconds > 0:
            raise ValueError(f"a rate needs count >= 1 and per_seconds > 0, not {self}")


class RateLimiter:
    """Books send slots so that no window, however placed, holds more sends than allowed.

    Slots are evenly spaced, with no burst. A GCRA bucket that lets `count` sends go at once
    and then one per `per_seconds / count` puts `2 * count - 1` sends in the first window
    (20 at once then one every 3 s is 39 in a minute for a Telegram group); the only burst
    that fits every sliding window needs the last `count` send times of each chat. Even
    spacing keeps the long-run rate with a single number per chat.

    Spacing is `(per_seconds + slack) / count`, so `count + 1` sends always span more than
    the window even when one starts up to `slack` seconds later than its slot (event-loop
    lag, request latency) and when a window is counted with both ends closed.

    The global limit is a calendar of slots one spacing apart rather than a single next
    time: a chat whose next slot is far off (it was just sent to, or a 429 paused it)
    books a global slot there, and the chats queued behind it keep the earlier ones. The
    grid costs a send at most one global spacing (1/30 s on Telegram) of extra wait.
    """

    __slots__ = (
        "_chat_spacing",
        "_frontier",
        "_next_of",
        "_now",
        "_paused",
        "_spacing",
        "_strictest",
        "_sweep_at",
        "_taken",
    )

    def __init__(
        self,
        global_rate: Rate | None,
        chat_rates: Mapping[str, Rate],
        clock: Clock | None = None,
        *,
        slack: float = 0.02,
    ) -> None:
        if not slack > 0:
            raise ValueError(f"slack must be positive, not {slack}")
        self._now = (clock or SystemClock()).monotonic
        self._spacing = (
            (global_rate.per_seconds + slack) / global_rate.count if global_rate else 0.0
        )
        self._chat_spacing = {
            kind: (rate.per_seconds + slack) / rate.count for kind, rate in chat_rates.items()
        }
        # A spacing that satisfies the widest one satisfies them all.
        self._strictest = max(self._chat_spacing.values(), default=0.0)
        self._next_of: dict[str, float] = {}
        """Each chat's earliest next slot, forgotten once it is past (then any time will do)."""
        self._paused: dict[str, float] = {}
        self._frontier = 0
        """The first global slot (an index on a grid of `_spacing`) that may still be free."""
        self._taken: dict[int, int] = {}
        """Global slots booked beyond the frontier, each pointing towards a later free one."""
        self._sweep_at = _MIN_SWEEP

    def now(self) -> float:
        """The limiter's clock: slots and pauses are readings of it."""
        return self._now()

    def reserve(self, chat_key: str, kind: str) -> float:
        """Book the next slot for a send to `chat_key`; answer the seconds until it starts.

        An unknown `kind` is paced by the strictest configured rate. The slot is never
        inside a pause already set for the chat.
        """
        now = self._now()
        at = self._next_of.get(chat_key, now)
        if at < now:
            at = now
        if self._spacing:
            at = self._book_global(at, now)
        self._next_of[chat_key] = at + self._chat_spacing.get(kind, self._strictest)
        if len(self._next_of) + len(self._taken) >= self._sweep_at:
            self._sweep(now)
        return at - now if at > now else 0.0

    def pause(self, chat_key: str, seconds: float) -> None:
        """Book nothing for `chat_key` for `seconds` (a 429's retry_after); others go on."""
        until = self._now() + seconds
        if until > self._paused.get(chat_key, -math.inf):
            self._paused[chat_key] = until
        if until > self._next_of.get(chat_key, -math.inf):
            self._next_of[chat_key] = until

    def paused_until(self, chat_key: str) -> float | None:
        """The clock reading at which a pause of `chat_key` ends, if one is running."""
        until = self._paused.get(chat_key)
        return until if until is not None and until > self._now() else None

    def pause_left(self, chat_key: str) -> float:
        """Seconds until a pause of `chat_key` ends; 0 when it is not paused."""
        until = self.paused_until(chat_key)
        return 0.0 if until is None else until - self._now()

    @property
    def tracked_chats(self) -> int:
        """How many chats' state is held; it shrinks again once their slots are past."""
        return len(self._next_of)

    def _book_global(self, earliest: float, now: float) -> float:
        spacing = self._spacing
        taken = self._taken
        frontier = max(self._frontier, math.ceil(now / spacing))
        slot = frontier
        if earliest > now:
            slot = max(frontier, math.ceil(earliest / spacing))
            # Rounding in the division must not put a slot inside the chat's pause.
            if slot * spacing < earliest:
                slot += 1
        if slot in taken:
            slot = self._free_slot(slot)
        taken[slot] = slot + 1
        while frontier in taken:
            del taken[frontier]
            frontier += 1
        self._frontier = frontier
        return slot * spacing

    def _free_slot(self, slot: int) -> int:
        """The first free slot from `slot` on, shortening the path for the next search.

        Many chats can want the same far slot (all paused until the same moment); without
        the shortcut each would walk past every slot the earlier ones took.
        """
        taken = self._taken
        walked = []
        while slot in taken:
            walked.append(slot)
            slot = taken[slot]
        for passed in walked:
            taken[passed] = slot
        return slot

    def _sweep(self, now: float) -> None:
        self._next_of = {chat: at for chat, at in self._next_of.items() if at > now}
        self._paused = {chat: until for chat, until in self._paused.items() if until > now}
        self._taken = {slot: on for slot, on in self._taken.items() if slot >= self._frontier}
        self._sweep_at = max(_MIN_SWEEP, 2 * (len(self._next_of) + len(self._taken)))


async def wait_turn(
    limiter: RateLimiter,
    chat_key: str,
    kind: str,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> None:
    """Sleep until a send to `chat_key` may start.

    A slot booked before a 429 paused the chat may fall inside the pause; such a slot is
    given up and the next one after the pause booked instead.
    """
    while True:
        await sleep(limiter.reserve(chat_key, kind))
        if limiter.paused_until(chat_key) is None:
            return
