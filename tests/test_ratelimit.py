"""The limiter's slots respect every platform limit in every window, and pauses hold one chat only."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.push.ratelimit import Rate, RateLimiter, wait_turn
from tests.fake_clock import FakeClock

GLOBAL = Rate(5, 1.0)
CHATS = {"private": Rate(1, 1.0), "group": Rate(3, 6.0), "channel": Rate(2, 3.0)}
TELEGRAM_GLOBAL = Rate(30, 1.0)
TELEGRAM_CHATS = {"private": Rate(1, 1.0), "group": Rate(20, 60.0), "channel": Rate(20, 60.0)}


def most_in_any_window(times: list[float], seconds: float) -> int:
    """The most sends any window of `seconds`, both ends included, holds."""
    times = sorted(times)
    start, most = 0, 0
    for end, at in enumerate(times):
        while times[start] < at - seconds:
            start += 1
        most = max(most, end - start + 1)
    return most


def test_the_window_count_includes_both_ends():
    assert most_in_any_window([0.0, 1.0, 2.0, 2.5], 1.0) == 2
    assert most_in_any_window([0.0, 0.5, 1.0, 3.0], 1.0) == 3


# One operation: advance the clock, then book a send to chat `number` of `kind`.
operations = st.lists(
    st.tuples(
        st.sampled_from([*CHATS, "unknown"]),
        st.integers(0, 4),
        st.one_of(st.just(0.0), st.floats(0.0, 8.0)),
    ),
    max_size=300,
)


@settings(max_examples=200, deadline=None)
@given(operations)
def test_no_window_ever_holds_more_sends_than_allowed(ops):
    clock = FakeClock(1000.0)
    limiter = RateLimiter(GLOBAL, CHATS, clock)
    sends: dict[str, list[float]] = {}
    for kind, number, advance in ops:
        clock.advance(advance)
        chat = f"{kind}:{number}"
        delay = limiter.reserve(chat, kind)
        assert delay >= 0
        sends.setdefault(chat, []).append(clock.now + delay)

    everything = [at for times in sends.values() for at in times]
    assert most_in_any_window(everything, GLOBAL.per_seconds) <= GLOBAL.count
    for chat, times in sends.items():
        kind = chat.partition(":")[0]
        # An unknown kind is held to every configured rate at once.
        for rate in [CHATS[kind]] if kind in CHATS else CHATS.values():
            assert most_in_any_window(times, rate.per_seconds) <= rate.count


@settings(max_examples=100, deadline=None)
@given(operations, st.integers(0, 299), st.floats(0.5, 120.0))
def test_no_slot_booked_after_a_pause_falls_inside_it(ops, when, seconds):
    clock = FakeClock(1000.0)
    limiter = RateLimiter(GLOBAL, CHATS, clock)
    paused_chat, ends = "group:0", None
    for step, (kind, number, advance) in enumerate(ops):
        if step == when:
            limiter.pause(paused_chat, seconds)
            ends = clock.now + seconds
        clock.advance(advance)
        chat = f"{kind}:{number}"
        at = clock.now + limiter.reserve(chat, kind)
        if chat == paused_chat and ends is not None:
            assert at >= ends - 1e-9


def test_a_group_gets_twenty_a_minute_in_every_window_and_no_more():
    clock = FakeClock()
    limiter = RateLimiter(TELEGRAM_GLOBAL, TELEGRAM_CHATS, clock)
    times = [limiter.reserve("-100", "group") for _ in range(100)]
    assert most_in_any_window(times, 60.0) == 20
    assert times[-1] < 99 * 3.05


def test_a_fan_out_runs_at_the_global_rate_and_never_above_it():
    clock = FakeClock()
    limiter = RateLimiter(TELEGRAM_GLOBAL, TELEGRAM_CHATS, clock)
    times = [limiter.reserve(str(chat), "private") for chat in range(3000)]
    assert most_in_any_window(times, 1.0) == 30
    assert times[-1] < 3000 / 29


def test_booked_slots_are_distinct_for_callers_at_the_same_instant():
    limiter = RateLimiter(TELEGRAM_GLOBAL, TELEGRAM_CHATS, FakeClock())
    delays = [limiter.reserve("42", "private") for _ in range(5)]
    assert all(later - earlier >= 1.0 for earlier, later in itertools.pairwise(delays))


def test_a_chat_waiting_for_its_next_slot_does_not_hold_up_other_chats():
    limiter = RateLimiter(TELEGRAM_GLOBAL, TELEGRAM_CHATS, FakeClock())
    limiter.reserve("-100", "group")
    assert limiter.reserve("-100", "group") >= 3.0
    assert limiter.reserve("7", "private") < 0.1


def test_a_pause_holds_back_its_chat_and_nobody_else():
    clock = FakeClock()
    limiter = RateLimiter(TELEGRAM_GLOBAL, TELEGRAM_CHATS, clock)
    twin = RateLimiter(TELEGRAM_GLOBAL, TELEGRAM_CHATS, FakeClock())
    limiter.pause("7", 30.0)

    others = [str(chat) for chat in range(100, 160)]
    assert [limiter.reserve(c, "private") for c in others] == [
        twin.reserve(c, "private") for c in others
    ]
    assert limiter.paused_until("7") == 30.0
    assert limiter.paused_until("8") is None
    assert limiter.reserve("7", "private") >= 30.0
    assert limiter.reserve("9", "private") < 3.0


def test_the_slot_after_a_pause_never_starts_a_hair_before_the_pause_ends():
    # Pauses that end just past a global slot boundary, where rounding could land early.
    spacing = (TELEGRAM_GLOBAL.per_seconds + 0.02) / TELEGRAM_GLOBAL.count
    for slot in range(1, 3000):
        clock = FakeClock()
        limiter = RateLimiter(TELEGRAM_GLOBAL, TELEGRAM_CHATS, clock, slack=0.02)
        limiter.pause("7", math.nextafter(slot * spacing, math.inf))
        clock.advance(limiter.reserve("7", "private"))
        assert limiter.paused_until("7") is None


def test_a_pause_ends():
    clock = FakeClock()
    limiter = RateLimiter(TELEGRAM_GLOBAL, TELEGRAM_CHATS, clock)
    limiter.pause("7", 5.0)
    limiter.pause("7", 2.0)
    assert limiter.paused_until("7") == 5.0
    clock.advance(5.0)
    assert limiter.paused_until("7") is None
    assert limiter.reserve("7", "private") < 0.1


def test_an_unknown_kind_is_paced_by_the_strictest_rate():
    limiter = RateLimiter(None, TELEGRAM_CHATS, FakeClock())
    limiter.reserve("x", "supergroup")
    assert limiter.reserve("x", "supergroup") >= 3.0


def test_without_limits_only_pauses_delay_a_send():
    clock = FakeClock()
    limiter = RateLimiter(None, {}, clock)
    assert [limiter.reserve("room", "room") for _ in range(3)] == [0.0, 0.0, 0.0]
    limiter.pause("room", 4.0)
    assert limiter.reserve("room", "room") == 4.0


def test_chats_are_forgotten_once_their_slots_are_past():
    clock = FakeClock()
    limiter = RateLimiter(TELEGRAM_GLOBAL, TELEGRAM_CHATS, clock)
    most = 0
    for chat in range(50_000):
        clock.advance(limiter.reserve(str(chat), "private"))
        most = max(most, limiter.tracked_chats)
    assert most < 5_000
    clock.advance(10.0)
    for chat in range(5_000):
        limiter.reserve(f"later {chat}", "private")
        clock.advance(1.0)
    assert limiter.tracked_chats < 2_000


def test_booking_far_ahead_stays_cheap_when_many_chats_want_the_same_slot():
    clock = FakeClock()
    limiter = RateLimiter(TELEGRAM_GLOBAL, TELEGRAM_CHATS, clock)
    chats = [str(chat) for chat in range(20_000)]
    for chat in chats:
        limiter.pause(chat, 60.0)
    times = [limiter.reserve(chat, "private") for chat in chats]
    assert min(times) >= 60.0
    assert most_in_any_window(times, 1.0) == 30


async def test_wait_turn_books_again_when_a_429_pauses_the_chat_during_the_wait():
    clock = FakeClock()
    limiter = RateLimiter(TELEGRAM_GLOBAL, TELEGRAM_CHATS, clock)
    limiter.reserve("7", "private")
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) == 1:
            limiter.pause("7", 20.0)
        await clock.sleep(seconds)

    await wait_turn(limiter, "7", "private", sleep)
    assert len(sleeps) == 2
    assert clock.now >= 20.0


@pytest.mark.parametrize(("count", "per_seconds"), [(0, 1.0), (1, 0.0), (-3, 5.0)])
def test_a_rate_must_allow_something(count, per_seconds):
    with pytest.raises(ValueError, match="rate"):
        Rate(count, per_seconds)
