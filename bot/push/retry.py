"""How long to wait before retrying a transient failure, and when to stop trying."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential backoff with jitter, so chats that failed together do not retry together.

    The ceiling caps the delay before jitter is applied: capping after it would send every
    long-failing row back at exactly the ceiling, in step again.
    """

    base: float = 2.0
    factor: float = 2.0
    ceiling: float = 3600.0
    jitter: float = 0.2
    max_age: float = 86400.0
    random: Callable[[], float] = random.random

    def __post_init__(self) -> None:
        if min(self.base, self.ceiling) < 0 or self.factor < 1 or not 0 <= self.jitter <= 1:
            raise ValueError(
                f"backoff needs base, ceiling >= 0, factor >= 1, 0 <= jitter <= 1: {self}"
            )

    def delay(self, attempt: int) -> float:
        """Seconds to wait after the `attempt`-th failed try (the first is 1)."""
        try:
            growing = self.base * self.factor ** max(attempt - 1, 0)
        except OverflowError:
            growing = self.ceiling
        spread = 1 + self.jitter * (2 * self.random() - 1)
        return min(growing, self.ceiling) * spread

    def gives_up(self, first_try_age_seconds: float) -> bool:
        """Whether a row first tried this long ago is dead rather than retried."""
        return first_try_age_seconds >= self.max_age
