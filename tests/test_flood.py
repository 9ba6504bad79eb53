"""A chat flooding the bot with commands gets one warning, then silence for a while."""

from __future__ import annotations

from bot.flood import FloodGuard, Verdict


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_chat_within_the_limit_is_always_answered():
    clock = Clock()
    guard = FloodGuard(per_minute=5, quiet_seconds=120, clock=clock)
    for _ in range(20):
        assert guard.check("chat") is Verdict.ANSWER
        clock.now += 12.5


def test_a_flood_is_warned_once_then_ignored_until_the_quiet_period_ends():
    clock = Clock()
    guard = FloodGuard(per_minute=5, quiet_seconds=120, clock=clock)
    verdicts = [guard.check("chat") for _ in range(10)]
    assert verdicts == [Verdict.ANSWER] * 5 + [Verdict.WARN] + [Verdict.IGNORE] * 4
    assert guard.check("other") is Verdict.ANSWER
    clock.now += 119
    assert guard.check("chat") is Verdict.IGNORE
    clock.now += 2
    assert guard.check("chat") is Verdict.ANSWER


def test_chats_quiet_for_a_minute_are_forgotten():
    clock = Clock()
    guard = FloodGuard(per_minute=5, quiet_seconds=120, clock=clock)
    for n in range(999):
        guard.check(n)
    clock.now += 61
    guard.check("last")
    assert len(guard._recent) == 1
