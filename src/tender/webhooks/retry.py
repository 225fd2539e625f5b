"""When a failed delivery is tried again (stripe-behaviour §7.5): exponential back-off
with jitter, for a bounded time.

Stripe retries live-mode deliveries for up to three days with exponential back-off and
does not publish the exact steps; tender's default starts at one minute, triples each
time and caps at six hours, which gives ~17 attempts over the three days.  Everything is
data (`RetryPolicy`) read from the environment, so tests can compress the whole schedule
into seconds:

    TENDER_WEBHOOK_RETRY_INITIAL       first delay, seconds          (60)
    TENDER_WEBHOOK_RETRY_MULTIPLIER    growth per failure            (3)
    TENDER_WEBHOOK_RETRY_MAX_DELAY     cap on one delay, seconds     (21600)
    TENDER_WEBHOOK_RETRY_FOR           give up after, seconds        (259200 = 3 days)
    TENDER_WEBHOOK_RETRY_MAX_ATTEMPTS  give up after n attempts      (0 = no limit)
    TENDER_WEBHOOK_RETRY_JITTER        ± fraction of each delay      (0.2)
"""

from __future__ import annotations

import os
import random
from collections.abc import Mapping
from dataclasses import dataclass

DAY = 86400.0


@dataclass(frozen=True)
class RetryPolicy:
    initial: float = 60.0
    multiplier: float = 3.0
    max_delay: float = 6 * 3600.0
    retry_for: float = 3 * DAY
    max_attempts: int = 0  # 0: bounded by `retry_for` only
    jitter: float = 0.2

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> RetryPolicy:
        env = os.environ if env is None else env
        default = cls()

        def number(name: str, value: float) -> float:
            raw = env.get(f"TENDER_WEBHOOK_RETRY_{name}")
            return float(raw) if raw not in (None, "") else value

        return cls(
            initial=number("INITIAL", default.initial),
            multiplier=number("MULTIPLIER", default.multiplier),
            max_delay=number("MAX_DELAY", default.max_delay),
            retry_for=number("FOR", default.retry_for),
            max_attempts=int(number("MAX_ATTEMPTS", default.max_attempts)),
            jitter=number("JITTER", default.jitter),
        )

    def delay(self, failures: int, rng: random.Random | None = None) -> float:
        """Seconds to wait after the `failures`-th consecutive failed attempt (1-based),
        before jitter is applied: initial × multiplier^(failures-1), capped."""
        exponent = max(failures - 1, 0)
        try:
            base = self.initial * self.multiplier**exponent
        except OverflowError:
            base = self.max_delay
        base = min(base, self.max_delay)
        if self.jitter and rng is not None:
            base *= 1 + rng.uniform(-self.jitter, self.jitter)
        return max(base, 0.0)

    def next_attempt_at(
        self, failures: int, window_start: float, now: float, rng: random.Random | None = None
    ) -> float | None:
        """When to try again after `failures` failed attempts, or None to give up.

        The window opens when the event is first due (or when it is resent by hand);
        a retry that would fall after the window closes is moved to its end, so the
        last attempt happens at the deadline rather than never.
        """
        if self.max_attempts and failures >= self.max_attempts:
            return None
        deadline = window_start + self.retry_for
        if now >= deadline:
            return None
        return min(now + self.delay(failures, rng), deadline)

    def schedule(self, attempts: int) -> list[float]:
        """Offsets from the first attempt of the first `attempts` retries, without jitter
        (for documentation and tests)."""
        offsets, at = [], 0.0
        for failures in range(1, attempts + 1):
            nxt = self.next_attempt_at(failures, 0.0, at)
            if nxt is None:
                break
            offsets.append(nxt)
            at = nxt
        return offsets
