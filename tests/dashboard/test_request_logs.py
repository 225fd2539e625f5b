"""Request logs: every API request with its key's kind and last four — never a key,
a client secret or card data — in the dashboard; and the buffer behind it (one write
per flush, pruning, masking) against a real SQLite store."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import httpx
import stripe
from playwright.sync_api import Page, expect

from tender.api.auth import Caller
from tender.api.request_log import RequestLog, safe_path
from tender.store.sqlite import SQLiteStore
from tests.dashboard.conftest import screenshot, signed_in_client
from tests.support.server import PUBLISHABLE_KEY, SECRET_KEY, TenderServer
from tests.support.waiting import wait_for

T = TypeVar("T")


def test_an_api_request_is_logged_with_its_key_last4_and_no_secret(page: Page, tender: TenderServer) -> None:
    intent = stripe.PaymentIntent.create(amount=2500, currency="usd", payment_method="pm_card_visa")
    request_id = intent.last_response.request_id
    # The client secret travels in a publishable-key request's query string: never logged.
    retrieved = httpx.get(
        f"{tender.base_url}/v1/payment_intents/{intent.id}",
        params={"client_secret": intent.client_secret},
        headers={"Authorization": f"Bearer {PUBLISHABLE_KEY}"},
    )
    assert retrieved.status_code == 200
    # A card number in a form body: never logged either.
    stripe.PaymentMethod.create(type="card", card={"number": "4242424242424242", "exp_month": 12,
                                                    "exp_year": 2034, "cvc": "314"})
    refused = httpx.get(f"{tender.base_url}/v1/charges", headers={"Authorization": "Bearer sk_test_wrong_key_9999"})
    assert refused.status_code == 401

    client = signed_in_client(tender)
    # The last request made above is flushed last: once its row is listed, all are.
    last_id = refused.headers["request-id"]
    wait_for(lambda: f"<code>{last_id}</code>" in client.get(f"/dashboard/logs?request_id={last_id}").text,
             what="the requests in the log")
    page.get_by_role("link", name="Request logs").click()
    page.get_by_label("Request id").fill(request_id)
    page.get_by_role("button", name="Filter").click()
    row = page.locator("tr.request")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("POST /v1/payment_intents")
    expect(row).to_contain_text("200")
    expect(row).to_contain_text(f"sk_test_…{SECRET_KEY[-4:]}")
    expect(row).to_contain_text("ms")
    screenshot(page, "request-log.png")

    page.goto("/dashboard/logs")
    expect(page.locator("tr.request", has_text=f"GET /v1/payment_intents/{intent.id}")).to_contain_text(
        f"pk_test_…{PUBLISHABLE_KEY[-4:]}"
    )
    # The server is shared: other tests' `GET /v1/charges/ch_…` rows must not match.
    listing = page.locator("tr.request").filter(has=page.locator("td", has_text=re.compile(r"^\s*GET /v1/charges\s*$")))
    expect(listing.first).to_contain_text("401")
    expect(listing.first).to_contain_text("no valid key")
    html = page.content()
    for secret in (SECRET_KEY, PUBLISHABLE_KEY, intent.client_secret, "4242424242424242", "sk_test_wrong_key"):
        assert secret not in html
    for secret in (SECRET_KEY, PUBLISHABLE_KEY, intent.client_secret, "4242424242424242"):
        assert secret not in client.get("/dashboard/logs").text

    page.get_by_label("Status").select_option("4")
    page.get_by_role("button", name="Filter").click()
    statuses = page.locator("tr.request td:nth-child(3)").all_inner_texts()
    assert statuses and all(s.strip().startswith("4") for s in statuses)


# -- the buffer, against a real store ------------------------------------------------------


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """On a thread of its own: Playwright's sync API keeps an event loop on this one."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


def _store(tmp_path: Path) -> SQLiteStore:
    store = SQLiteStore(str(tmp_path / "log.db"))
    store.ensure_account("acct_a", {"fingerprint_key": "00"})
    return store


def _read(store: SQLiteStore, account: str, **filters: object) -> list[dict[str, object]]:
    async def go() -> list[dict[str, object]]:
        rows, _ = await store.read(account, lambda tx: tx.list_request_logs(limit=100, **filters))
        return list(rows)

    return run(go())


def test_a_flush_writes_the_buffer_and_keeps_no_key(tmp_path: Path) -> None:
    store = _store(tmp_path)
    log = RequestLog()
    caller = Caller("acct_a", publishable=False, last4="wxyz")
    started = time.perf_counter()
    log.record("POST", "/v1/payment_intents/{intent}/confirm", {"intent": "pi_1"}, 402, "req_1", caller, started)
    log.record("GET", "/v1/payment_intents/{intent}", {"intent": "pi_2_secret_abcdef"}, 200, "req_2",
               Caller("acct_a", publishable=True, last4="pk99"), started)
    log.record("GET", "/v1/charges", {}, 401, "req_3", None, started)
    assert run(log.flush(store)) == 3
    rows = _read(store, "acct_a")
    assert [(r["method"], r["path"], r["status"], r["key_kind"], r["key_last4"]) for r in rows] == [
        ("GET", "/v1/charges", 401, None, None),  # no key: shown to the server's account
        ("GET", "/v1/payment_intents/pi_2_secret_[redacted]", 200, "publishable", "pk99"),
        ("POST", "/v1/payment_intents/pi_1/confirm", 402, "secret", "wxyz"),
    ]
    assert [r["request_id"] for r in _read(store, "acct_a", request_id="req_1")] == ["req_1"]
    assert [r["status"] for r in _read(store, "acct_a", status_class=4)] == [401, 402]
    assert _read(store, "acct_b") == []
    assert run(log.flush(store)) == 0  # nothing new
    store.close()


def test_the_flush_prunes_by_age_and_by_count(tmp_path: Path) -> None:
    store = _store(tmp_path)
    log = RequestLog(retention=3600, max_rows=5)
    caller = Caller("acct_a", publishable=False, last4="wxyz")
    for n in range(8):
        log.record("GET", "/v1/balance", {}, 200, f"req_{n}", caller, time.perf_counter())
    log._rows[0] = (time.time() - 7200, *log._rows[0][1:])  # answered two hours ago
    run(log.flush(store))
    assert [r["request_id"] for r in _read(store, "acct_a")] == [f"req_{n}" for n in range(7, 2, -1)]
    store.close()


def test_a_failed_flush_keeps_its_rows_for_the_next(tmp_path: Path) -> None:
    class Down:
        async def write(self, account: str, fn: object, contained: bool = False) -> None:
            raise RuntimeError("database down")

    log = RequestLog()
    log.record("GET", "/v1/balance", {}, 200, "req_1", Caller("acct_a", False, "wxyz"), time.perf_counter())
    try:
        run(log.flush(Down()))
    except RuntimeError:
        pass
    store = _store(tmp_path)
    assert run(log.flush(store)) == 1
    store.close()


def test_paths_never_carry_a_secret() -> None:
    assert safe_path("/v1/payment_intents/{intent}", {"intent": "pi_1"}) == "/v1/payment_intents/pi_1"
    assert safe_path("/v1/payment_intents/{intent}", {"intent": "pi_1_secret_xyz"}) == (
        "/v1/payment_intents/pi_1_secret_[redacted]"
    )
    for value in ("sk_test_abc", "rk_live_abc", "whsec_abc", "pk_test_abc", "my-SECRET"):
        assert safe_path("/v1/customers/{customer}", {"customer": value}) == "/v1/customers/[redacted]"
