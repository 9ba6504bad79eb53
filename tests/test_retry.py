"""Retry delays grow, stop growing at the ceiling, spread by the jitter asked for, and end."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.push.retry import Backoff

attempts = st.integers(min_value=1, max_value=5_000)


def steady(**settings: float) -> Backoff:
    """A backoff whose random draw sits mid-range, so the jitter adds nothing."""
    return Backoff(random=lambda: 0.5, **settings)


def test_delays_double_from_the_base():
    backoff = steady(base=2.0, factor=2.0, ceiling=3600.0)
    assert [backoff.delay(n) for n in range(1, 6)] == [2.0, 4.0, 8.0, 16.0, 32.0]


@given(attempts, attempts)
def test_without_jitter_a_later_attempt_never_waits_less(one, other):
    backoff = steady(jitter=0.0)
    first, then = sorted((one, other))
    assert backoff.delay(first) <= backoff.delay(then) <= backoff.ceiling


def test_the_ceiling_holds_however_many_attempts():
    backoff = steady(ceiling=600.0)
    assert backoff.delay(10) == 600.0
    assert backoff.delay(100_000) == 600.0


@given(attempts, st.floats(0.0, 1.0, exclude_max=True), st.floats(0.0, 1.0))
def test_jitter_stays_within_its_fraction_of_the_plain_delay(attempt, draw, jitter):
    plain = steady(jitter=0.0).delay(attempt)
    jittered = Backoff(jitter=jitter, random=lambda: draw).delay(attempt)
    assert jittered >= 0.0
    assert plain * (1 - jitter) - 1e-9 <= jittered <= plain * (1 + jitter) + 1e-9


def test_jitter_spreads_the_delays_both_ways():
    assert Backoff(random=lambda: 0.0).delay(1) == pytest.approx(1.6)
    assert Backoff(random=lambda: 0.999999).delay(1) == pytest.approx(2.4)


def test_a_row_is_given_up_once_it_reaches_the_maximum_age():
    backoff = Backoff(max_age=3600.0)
    assert not backoff.gives_up(3599.0)
    assert backoff.gives_up(3600.0)


@pytest.mark.parametrize("settings", [{"jitter": 1.5}, {"base": -1.0}, {"factor": 0.5}])
def test_settings_that_could_give_a_negative_or_shrinking_delay_are_refused(settings):
    with pytest.raises(ValueError, match="backoff"):
        Backoff(**settings)
