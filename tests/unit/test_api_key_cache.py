"""API keys are looked up by their SHA-256 and remembered by it for KEY_CACHE_SECONDS (a
process never keeps a secret key in clear), so a rolled or deleted key stops working within
that time (stripe-behaviour §4.3)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tender.api import endpoint
from tender.api.endpoint import KEY_CACHE_SECONDS, Api
from tender.core.errors import AuthenticationError
from tender.processor.simulator import Simulator
from tender.services import accounts
from tender.store.sqlite import SQLiteStore
from tests.support import aio

SECRET = "sk_test_" + "s" * 40
PUBLISHABLE = "pk_test_" + "p" * 40


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(endpoint.time, "monotonic", clock)
    return clock


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    store = SQLiteStore(str(tmp_path / "keys.db"))
    accounts.ensure_test_account(store, SECRET, PUBLISHABLE)
    yield store
    store.close()


def api_for(store: SQLiteStore) -> Api:
    return Api(store, Simulator(b"\0" * 32))


def authenticate(api: Api, key: str | None) -> endpoint.auth.Caller:
    return aio.run(api.authenticate(key))


def test_each_key_authenticates_as_its_own_kind(store: SQLiteStore, clock: Clock) -> None:
    api = api_for(store)
    secret, publishable = authenticate(api, SECRET), authenticate(api, PUBLISHABLE)
    assert (secret.publishable, secret.last4) == (False, "ssss")
    assert (publishable.publishable, publishable.last4) == (True, "pppp")
    # Again from the cache: still each key's own caller.
    assert authenticate(api, SECRET) == secret and authenticate(api, PUBLISHABLE) == publishable


def test_a_rolled_key_works_until_the_cache_expires_then_fails(store: SQLiteStore, clock: Clock) -> None:
    api = api_for(store)
    authenticate(api, SECRET)
    new = accounts.roll_keys(store, ("secret",)).secret_key
    assert new is not None
    clock.now += KEY_CACHE_SECONDS - 0.1
    assert authenticate(api, SECRET).account == store.first_account()
    clock.now += 0.2
    with pytest.raises(AuthenticationError):
        authenticate(api, SECRET)
    assert authenticate(api, new).publishable is False


def test_an_unknown_key_is_refused_every_time(store: SQLiteStore, clock: Clock) -> None:
    api = api_for(store)
    for _ in range(2):
        with pytest.raises(AuthenticationError) as info:
            authenticate(api, "sk_test_" + "x" * 40)
        assert "sk_test_****xxxx" in info.value.message
    with pytest.raises(AuthenticationError):
        authenticate(api, None)
