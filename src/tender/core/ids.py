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


_PAIRS = [a + b for a in ALPHABET for b in ALPHABET]  # two digits per divmod


def _base62(number: int, width: int) -> str:
    chunks = []
    for _ in range(width // 2):
        number, low = divmod(number, 3844)
        chunks.append(_PAIRS[low])
    if width % 2:
        chunks.append(ALPHABET[number % 62])
    return "".join(reversed(chunks))


# Secrets: bytes from the CSPRNG mapped to base62 by one `bytes.translate`.  Bytes ≥ 248
# (= 4 × 62) are dropped so every character is equally likely.  The bytes come from a
# 4 KB pool refilled by one getrandom call, not one call per secret.
_TO_BASE62 = bytes(ord(ALPHABET[b % 62]) if b < 248 else 0 for b in range(256))
_REJECTED = bytes(range(248, 256))
_pool = bytearray()
_pool_lock = threading.Lock()


def _empty_pool() -> None:
    _pool.clear()  # a forked worker must never hand out its parent's secrets


os.register_at_fork(after_in_child=_empty_pool)


def _csprng_bytes(n: int) -> bytes:
    with _pool_lock:
        if len(_pool) < n:
            _pool[:] = secrets.token_bytes(max(4096, n))
        taken = bytes(_pool[-n:])
        del _pool[-n:]
        return taken


def _random(length: int) -> str:
    """`length` base62 characters from the OS's CSPRNG, for anything that authorises
    (client secrets, API keys, challenge nonces)."""
    out = b""
    while len(out) < length:
        out += _csprng_bytes(length - len(out) + 8).translate(_TO_BASE62, _REJECTED)
    return out[:length].decode()


# Ids are names, not secrets (Stripe's are public too): they need uniqueness, which the
# time prefix plus 83 random bits give, not unpredictability, so they skip the syscall
# the CSPRNG costs on every object of every request.
_id_random = random.Random(secrets.randbits(128))
# A forked worker must not repeat its parent's sequence.
os.register_at_fork(after_in_child=lambda: _id_random.seed(secrets.randbits(128)))


def _unique(length: int) -> str:
    out = _id_random.randbytes(length + 4).translate(_TO_BASE62, _REJECTED)
    while len(out) < length:
        out += _id_random.randbytes(8).translate(_TO_BASE62, _REJECTED)
    return out[:length].decode()


_last_micros = 0
_clock_lock = threading.Lock()


def _next_micros() -> int:
    """Strictly increasing within this process, even within one clock tick or when the
    wall clock steps back, so ids made later always sort after earlier ones."""
    global _last_micros
    with _clock_lock:
        _last_micros = max(time.time_ns() // 1000, _last_micros + 1)
        return _last_micros


_FOUR_DIGITS = 62**4
_high_digits: tuple[int, str] = (-1, "")  # the first six time digits change every ~15 s


def _time_digits(micros: int) -> str:
    global _high_digits
    high, low = divmod(micros, _FOUR_DIGITS)
    cached = _high_digits
    if cached[0] != high:
        cached = _high_digits = (high, _base62(high, 6))
    upper, lower = divmod(low, 3844)
    return cached[1] + _PAIRS[upper] + _PAIRS[lower]


def new_id(kind: str) -> str:
    """`pi_…` etc.: prefix, 10 chars of time (µs), 14 random chars."""
    return f"{PREFIXES[kind]}_{_time_digits(_next_micros())}{_unique(14)}"


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
