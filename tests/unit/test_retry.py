"""The retry schedule of failed webhook deliveries (stripe-behaviour §7.5)."""

from __future__ import annotations

import random

from tender.webhooks.retry import DAY, RetryPolicy


def test_the_default_backs_off_exponentially_from_a_minute_capped_at_six_hours() -> None:
    policy = RetryPolicy(jitter=0)
    assert [policy.delay(n) for n in range(1, 8)] == [60, 180, 540, 1620, 4860, 14580, 21600]
    assert policy.delay(30) == 21600


def test_the_default_retries_for_three_days_then_gives_up() -> None:
    offsets = RetryPolicy(jitter=0).schedule(1000)
    assert offsets[-1] == 3 * DAY  # the last retry lands on the deadline
    assert 12 <= len(offsets) <= 20
    assert RetryPolicy().next_attempt_at(len(offsets) + 1, 0.0, 3 * DAY) is None


def test_jitter_spreads_each_delay_within_its_fraction() -> None:
    policy = RetryPolicy(initial=100, multiplier=2, jitter=0.2)
    rng = random.Random(4)
    delays = [policy.delay(1, rng) for _ in range(500)]
    assert min(delays) >= 80 and max(delays) <= 120
    assert len({round(d, 3) for d in delays}) > 400  # really spread, not one value


def test_a_retry_never_lands_after_the_window_closes() -> None:
    policy = RetryPolicy(initial=50, multiplier=10, max_delay=10_000, retry_for=120, jitter=0)
    assert policy.next_attempt_at(1, window_start=0, now=10) == 60
    assert policy.next_attempt_at(2, window_start=0, now=60) == 120  # 500 s away: clipped
    assert policy.next_attempt_at(3, window_start=0, now=120) is None


def test_max_attempts_bounds_the_number_of_tries() -> None:
    policy = RetryPolicy(initial=1, max_attempts=4, jitter=0)
    assert policy.next_attempt_at(3, 0, 10) is not None
    assert policy.next_attempt_at(4, 0, 10) is None


def test_the_environment_compresses_the_schedule_for_tests() -> None:
    policy = RetryPolicy.from_env({
        "TENDER_WEBHOOK_RETRY_INITIAL": "0.2",
        "TENDER_WEBHOOK_RETRY_MULTIPLIER": "2",
        "TENDER_WEBHOOK_RETRY_MAX_DELAY": "1",
        "TENDER_WEBHOOK_RETRY_FOR": "30",
        "TENDER_WEBHOOK_RETRY_JITTER": "0",
    })
    assert [policy.delay(n) for n in range(1, 5)] == [0.2, 0.4, 0.8, 1]
    assert policy.retry_for == 30 and policy.max_attempts == 0
    assert RetryPolicy.from_env({}) == RetryPolicy()
