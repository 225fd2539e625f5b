"""The one place tender reads the time, so tests and replays can reason about it."""

from __future__ import annotations

import time


def now() -> int:
    """Unix seconds, as every Stripe timestamp is."""
    return int(time.time())
