"""Object ids, client secrets and keys (stripe-behaviour §4.5, §4.7)."""

from __future__ import annotations

import hashlib
import itertools
import re
import time

import pytest

from tender.core import ids

BASE62 = re.compile(r"[0-9A-Za-z]+")


# --- prefixes and shape -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "prefix"),
    [
        ("payment_intent", "pi_"),
        ("setup_intent", "seti_"),
        ("payment_method", "pm_"),
        ("customer", "cus_"),
        ("charge", "ch_"),
        ("refund", "re_"),
        ("balance_transaction", "txn_"),
        ("event", "evt_"),
        ("webhook_endpoint", "we_"),
        ("request", "req_"),
        ("account", "acct_"),
    ],
)
def test_each_object_kind_has_stripes_prefix_and_24_base62_characters(kind: str, prefix: str) -> None:
    object_id = ids.new_id(kind)
    assert object_id.startswith(prefix)
    body = object_id.removeprefix(prefix)
    assert len(body) == 24
    assert BASE62.fullmatch(body)


def test_ids_are_unique() -> None:
    made = {ids.new_id("charge") for _ in range(2000)}
    assert len(made) == 2000


def test_the_alphabet_is_in_ascii_order_so_string_order_is_numeric_order() -> None:
    assert list(ids.ALPHABET) == sorted(ids.ALPHABET)
    assert len(set(ids.ALPHABET)) == 62


# --- time order -------------------------------------------------------------------------


class FakeClock:
    """time.time_ns stand-in returning the given microsecond readings in turn."""

    def __init__(self, *microseconds: int) -> None:
        self.readings = itertools.chain(microseconds, itertools.repeat(microseconds[-1]))

    def __call__(self) -> int:
        return next(self.readings) * 1000


def ids_at(monkeypatch: pytest.MonkeyPatch, *microseconds: int) -> list[str]:
    monkeypatch.setattr(time, "time_ns", FakeClock(*microseconds))  # the clock ids reads
    return [ids.new_id("payment_intent") for _ in microseconds]


def test_ids_created_later_sort_after_earlier_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    now = 1_750_000_000_000_000
    made = ids_at(monkeypatch, now, now + 1, now + 2, now + 1_000_000, now + 86_400_000_000)
    assert made == sorted(made)


def test_ids_sort_in_creation_order_even_within_one_clock_tick(monkeypatch: pytest.MonkeyPatch) -> None:
    now = 1_750_000_000_000_000
    made = ids_at(monkeypatch, *([now] * 30), now - 5, now - 5)
    assert made == sorted(made)


# --- secrets and keys -------------------------------------------------------------------


def test_a_client_secret_names_its_object() -> None:
    intent_id = ids.new_id("payment_intent")
    secret = ids.new_client_secret(intent_id)
    assert secret.startswith(f"{intent_id}_secret_")
    assert BASE62.fullmatch(secret.removeprefix(f"{intent_id}_secret_"))


def test_client_secrets_are_unguessable_one_per_call() -> None:
    assert ids.new_client_secret("pi_1") != ids.new_client_secret("pi_1")
    assert len(ids.new_client_secret("pi_1").removeprefix("pi_1_secret_")) == 25


@pytest.mark.parametrize("prefix", ["sk_test_", "pk_test_", "rk_test_"])
def test_api_keys_carry_their_kind_and_mode_prefix(prefix: str) -> None:
    key = ids.new_api_key(prefix)
    assert key.startswith(prefix)
    assert BASE62.fullmatch(key.removeprefix(prefix))


def test_api_keys_are_stored_only_as_their_sha256_digest() -> None:
    digest = ids.hash_api_key("sk_test_abc")
    assert digest == hashlib.sha256(b"sk_test_abc").hexdigest()
    assert "sk_test_abc" not in digest


def test_random_tokens_have_the_asked_length() -> None:
    assert len(ids.random_token()) == 24
    assert BASE62.fullmatch(ids.random_token(40))
    assert len(ids.random_token(40)) == 40
