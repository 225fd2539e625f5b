"""Object ids and secrets: Stripe-style prefixes, time-ordered bodies.

The first ten characters encode the creation time in microseconds, so ids sort in
creation order and index inserts stay local; the rest is random.  Ids stay opaque to
clients, as Stripe's are.
"""

from __future__ import annotations

import os
import random
import secrets
import threading
import time

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"  # ASCII order

PREFIXES = {
    "payment_intent": "pi",
    "setup_intent": "seti",
    "setup_attempt": "setatt",
    "charge_attempt": "chatt",
    "payment_method": "pm",
    "customer": "cus",
    "charge": "ch",
    "refund": "re",
    "balance_transaction": "txn",
    "event": "evt",
    "webhook_endpoint": "we",
    "request": "req",
    "account": "acct",
}


def _base62(number: int, width: int) -> str:
    chars = []
    for _ in range(width):
        number, digit = divmod(number, 62)
        chars.append(ALPHABET[digit])
    return "".join(reversed(chars))


def _random(length: int) -> str:
    """`length` base62 characters from the OS's CSPRNG, for anything that authorises
    (client secrets, API keys, challenge nonces)."""
    return _base62(int.from_bytes(secrets.token_bytes(length), "big"), length)


# Ids are names, not secrets (Stripe's are public too): they need uniqueness, which the
# time prefix plus 83 random bits give, not unpredictability, so they skip the syscall
# the CSPRNG costs on every object of every request.
_id_random = random.Random(secrets.randbits(128))
# A forked worker must not repeat its parent's sequence.
os.register_at_fork(after_in_child=lambda: _id_random.seed(secrets.randbits(128)))


def _unique(length: int) -> str:
    return _base62(_id_random.getrandbits(6 * length), length)


_last_micros = 0
_clock_lock = threading.Lock()


def _next_micros() -> int:
    """Strictly increasing within this process, even within one clock tick or when the
    wall clock steps back, so ids made later always sort after earlier ones."""
    global _last_micros
    with _clock_lock:
        _last_micros = max(time.time_ns() // 1000, _last_micros + 1)
        return _last_micros


def new_id(kind: str) -> str:
    """`pi_…` etc.: prefix, 10 chars of time (µs), 14 random chars."""
    return f"{PREFIXES[kind]}_{_base62(_next_micros(), 10)}{_unique(14)}"


def new_client_secret(object_id: str) -> str:
    """`pi_…_secret_…`: names its object, authorises publishable-key access to it only."""
    return f"{object_id}_secret_{_random(25)}"


def new_api_key(prefix: str) -> str:
    """`sk_test_…` / `pk_test_…`."""
    return f"{prefix}{_random(99)}"


def random_token(length: int = 24) -> str:
    return _random(length)


def hash_api_key(key: str) -> str:
    """API keys are stored and looked up only by this digest."""
    import hashlib

    return hashlib.sha256(key.encode()).hexdigest()
