"""Reports: the CSV files of payments and balance transactions for a date range, read
back row by row against the API's own lists."""

from __future__ import annotations

import asyncio
import csv
import datetime
import io
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import stripe
from playwright.sync_api import Page, expect

from tender.store.base import ListQuery, Stored
from tender.store.sqlite import SQLiteStore
from tender.web.dashboard import export as export_module


def _day(epoch: int, shift: int = 0) -> datetime.date:
    return datetime.datetime.fromtimestamp(epoch, datetime.UTC).date() + datetime.timedelta(days=shift)


def _range(day: datetime.date) -> dict[str, int]:
    start = int(datetime.datetime.combine(day, datetime.time(), datetime.UTC).timestamp())
    return {"gte": start, "lt": start + 86400}


def _iso(epoch: int) -> str:
    return datetime.datetime.fromtimestamp(epoch, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _download(page: Page, report: str, day: datetime.date) -> list[dict[str, str]]:
    page.goto("/dashboard/reports")
    section = page.locator("section", has=page.get_by_role("heading", name=report))
    section.get_by_label("From").fill(day.isoformat())
    section.get_by_label("To").fill(day.isoformat())
    with page.expect_download() as download:
        section.get_by_role("button", name="Download").click()
    text = download.value.path().read_bytes().decode("utf-8")
    assert text.endswith("\r\n")
    return list(csv.DictReader(io.StringIO(text)))


def test_the_payments_csv_matches_the_api_row_by_row(page: Page) -> None:
    customer = stripe.Customer.create(email="csv@example.com")
    made = [
        stripe.PaymentIntent.create(
            amount=amount, currency=currency, payment_method="pm_card_visa", confirm=True, customer=customer.id,
            description=description, metadata={"order": str(n)},
            automatic_payment_methods={"enabled": True, "allow_redirects": "never"},
        )
        for n, (amount, currency, description) in enumerate(
            [(123456, "usd", "=HYPERLINK(\"x\")"), (500, "jpy", "Tokyo, \"quoted\""), (5120, "kwd", None)]
        )
    ]
    day = _day(made[-1].created)
    rows = _download(page, "Payments", day)
    expected: list[Any] = list(stripe.PaymentIntent.list(created=_range(day), limit=100).auto_paging_iter())
    assert [row["id"] for row in rows] == [intent.id for intent in expected]  # newest first, as the API
    assert {intent.id for intent in made} <= {row["id"] for row in rows}
    for row, intent in zip(rows, expected, strict=True):
        assert row["created_utc"] == _iso(intent.created)
        assert int(row["amount"]) == intent.amount
        assert row["currency"] == intent.currency
        assert row["status"] == intent.status
        assert int(row["amount_received"]) == intent.amount_received
        assert row["customer"] == (intent.customer or "")
        assert row["latest_charge"] == (intent.latest_charge or "")
    by_id = {row["id"]: row for row in rows}
    assert by_id[made[0].id]["amount_formatted"] == "$1,234.56"
    assert by_id[made[0].id]["description"] == "'=HYPERLINK(\"x\")"  # never a formula in a spreadsheet
    assert by_id[made[1].id]["amount_formatted"] == "¥500"
    assert by_id[made[1].id]["description"] == 'Tokyo, "quoted"'
    assert by_id[made[2].id]["amount_formatted"] == "5.120 KWD"
    assert by_id[made[2].id]["metadata"] == '{"order":"2"}'

    # The day before holds none of them.
    before = {row["id"] for row in _download(page, "Payments", _day(made[0].created, -1))}
    assert not before & {intent.id for intent in made}


def test_the_balance_transactions_csv_matches_the_api_row_by_row(page: Page) -> None:
    intent = stripe.PaymentIntent.create(
        amount=4200, currency="usd", payment_method="pm_card_visa", confirm=True,
        automatic_payment_methods={"enabled": True, "allow_redirects": "never"},
    )
    stripe.Refund.create(payment_intent=intent.id, amount=1250)
    day = _day(intent.created)
    rows = _download(page, "Balance transactions", day)
    expected: list[Any] = list(stripe.BalanceTransaction.list(created=_range(day), limit=100).auto_paging_iter())
    assert [row["id"] for row in rows] == [txn.id for txn in expected]
    for row, txn in zip(rows, expected, strict=True):
        assert row["created_utc"] == _iso(txn.created)
        assert row["available_on_utc"] == _iso(txn.available_on)
        assert (row["type"], row["source"], row["currency"], row["status"]) == (txn.type, txn.source, txn.currency, txn.status)
        assert (int(row["amount"]), int(row["fee"]), int(row["net"])) == (txn.amount, txn.fee, txn.net)
    refund = next(row for row in rows if row["type"] == "refund" and row["amount"] == "-1250")
    assert (refund["amount_formatted"], refund["net_formatted"]) == ("-$12.50", "-$12.50")
    charge = next(row for row in rows if row["source"] == intent.latest_charge)
    assert charge["amount_formatted"] == "$42.00"
    assert int(charge["net"]) == 4200 - int(charge["fee"])


def test_an_export_reads_batch_after_batch_and_writes_each_row_once(tmp_path: Path) -> None:
    """The stream walks the list index a batch at a time (here 2 rows), each batch its
    own read; rows of equal `created` are neither lost nor repeated between batches."""
    store = SQLiteStore(str(tmp_path / "export.db"))
    store.ensure_account("acct_a", {"fingerprint_key": "00"})
    docs = [
        {"id": f"pi_{n:02d}", "object": "payment_intent", "created": 1_700_000_000 + n // 2, "amount": 100 + n,
         "currency": "usd", "status": "succeeded", "metadata": {}}
        for n in range(7)
    ]

    async def export() -> str:
        await store.write("acct_a", lambda tx: [tx.insert(Stored(doc)) for doc in docs])

        class Reader:
            reads = 0

            async def read(self, fn: Any) -> Any:
                Reader.reads += 1
                return await store.read("acct_a", fn)

        query = ListQuery(account="acct_a", type="payment_intent", limit=2)
        chunks = [chunk async for chunk in export_module._csv(Reader(), query, export_module.REPORTS["payments"])]  # type: ignore[arg-type]
        assert Reader.reads == 4
        return b"".join(chunks).decode()

    with ThreadPoolExecutor(1) as thread:  # Playwright's sync API holds this thread's loop
        text = thread.submit(asyncio.run, export()).result()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["id"] for row in rows] == [doc["id"] for doc in sorted(docs, key=lambda d: (d["created"], d["id"]), reverse=True)]
    assert rows[0]["created_utc"] == "2023-11-14T22:13:23Z"
    store.close()


def test_a_bad_range_is_explained(page: Page) -> None:
    page.goto("/dashboard/reports/payments.csv?from=2025-02-01&to=2025-01-01")
    expect(page.get_by_role("alert")).to_contain_text("before its start")
