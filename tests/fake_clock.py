"""A clock for the rate limiter's tests."""

from __future__ import annotations

import asyncio


class FakeClock:
    """A clock that moves only when told, so tests simulate hours of sending instantly."""

    def __init__(self, start: float = 0.0) -> None:
        self.now = start

    def monotonic(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    async def sleep(self, seconds: float) -> None:
        """Stands in for `asyncio.sleep`: time passes at once, other tasks still get a turn."""
        self.advance(max(seconds, 0.0))
        await asyncio.sleep(0)
