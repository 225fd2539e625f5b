"""Idempotency-Key (stripe-behaviour §5): replay what the first request answered.

The record is written in the same transaction as the work it describes.  A key still
being executed answers 409 — seen in this process by `InFlight`; across processes, on
PostgreSQL by a durable claim committed before the work starts, on SQLite (whose units
take turns) by the unit that finds another answer already recorded and is undone
(`SQLiteTx.save_idempotency`); the same key with other parameters answers 400
`idempotency_error`; validation failures before execution are not stored.
"""

from __future__ import annotations

import hashlib
import hmac

import orjson

from tender.core.errors import IdempotencyConflict, IdempotencyError, InvalidRequestError
from tender.store.base import PENDING_ANSWER, IdempotencyRecord

MAX_KEY_LENGTH = 255
PENDING = PENDING_ANSWER  # a key still being executed (`store.base`)


class InFlight:
    """Keys currently executing in this process, per account."""

    def __init__(self) -> None:
        self._keys: set[tuple[str, str]] = set()

    def claim(self, account: str, key: str) -> None:
        if (account, key) in self._keys:
            raise IdempotencyConflict()
        self._keys.add((account, key))

    def release(self, account: str, key: str) -> None:
        self._keys.discard((account, key))


def check_key(key: str) -> None:
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidRequestError(
            f"Invalid Idempotency-Key: must be at most {MAX_KEY_LENGTH} characters long.",
            param="Idempotency-Key",
        )


def params_hash(raw_params: object, key: bytes) -> str:
    """A keyed digest: parameters may hold card numbers, so a plain hash of them stored
    beside the response could be brute-forced back into the number."""
    return hmac.new(key, orjson.dumps(raw_params, option=orjson.OPT_SORT_KEYS), hashlib.sha256).hexdigest()


def check_replay(
    record: IdempotencyRecord, key: str, method: str, path: str, digest: str
) -> None:
    """Same key, same request → replay; anything else is a mismatch."""
    if record.method != method or record.path != path or record.params_hash != digest:
        raise IdempotencyError(
            "Keys for idempotent requests can only be used with the same parameters they "
            f"were first used with. Try using a key other than '{key}' if you meant to "
            "execute a different request."
        )
