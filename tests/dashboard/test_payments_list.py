"""The payments list: date range and amount filters combined with status and search,
and keyset pages that keep those filters."""

from __future__ import annotations

import datetime
import random
import uuid

import stripe
from playwright.sync_api import Page, expect

from tests.dashboard.conftest import screenshot


def _paid(amount: int, **extra: object) -> stripe.PaymentIntent:
    return stripe.PaymentIntent.create(
        amount=amount, currency="usd", payment_method="pm_card_visa", confirm=True,
        automatic_payment_methods={"enabled": True, "allow_redirects": "never"}, **extra,
    )


def _utc_day(epoch: int, shift: int = 0) -> str:
    return (datetime.datetime.fromtimestamp(epoch, datetime.UTC).date() + datetime.timedelta(days=shift)).isoformat()


def test_find_a_payment_with_a_date_and_amount_filter(page: Page) -> None:
    cents = random.randint(100_000, 999_999)  # $1,000.00–$9,999.99: unique to this test run
    wanted = _paid(cents)
    _paid(cents + 1)  # a cent more: outside the range
    uncaptured = stripe.PaymentIntent.create(
        amount=cents, currency="usd", payment_method="pm_card_visa", confirm=True, capture_method="manual",
        automatic_payment_methods={"enabled": True, "allow_redirects": "never"},
    )
    today = _utc_day(wanted.created)
    amount = f"{cents / 100:.2f}"

    page.get_by_role("link", name="Payments").click()
    page.get_by_label("From").fill(today)
    page.get_by_label("To").fill(today)
    page.get_by_label("At least").fill(amount)
    page.get_by_label("At most").fill(amount)
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("table.list tbody tr")
    expect(rows).to_have_count(2)  # the succeeded one and the uncaptured one, newest first
    expect(rows.nth(0)).to_contain_text("requires capture")
    expect(rows.nth(1)).to_contain_text("succeeded")
    screenshot(page, "payments-filtered.png")

    # Combined with the status filter and with a search.
    page.get_by_label("Status").select_option("succeeded")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    expect(rows.first.get_by_role("link")).to_have_attribute("href", f"/dashboard/payments/{wanted.id}")
    page.get_by_label("Status").select_option("")
    page.get_by_label("Search").fill("status:'requires_capture'")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    expect(rows.first.get_by_role("link")).to_have_attribute("href", f"/dashboard/payments/{uncaptured.id}")

    # The day before holds none of them.
    page.get_by_label("Search").fill("")
    page.get_by_label("From").fill(_utc_day(wanted.created, -1))
    page.get_by_label("To").fill(_utc_day(wanted.created, -1))
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("No payments")

    # A date range the wrong way round is explained, not ignored.
    page.get_by_label("From").fill(today)
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("alert")).to_contain_text("before its start")


def test_pages_keep_the_filters(page: Page) -> None:
    cents = random.randint(100_000, 999_999)
    tag = uuid.uuid4().hex[:8]
    created = [_paid(cents, metadata={"batch": tag}).id for _ in range(27)]
    _paid(cents + 7, metadata={"batch": tag})  # filtered out by the amount

    amount = f"{cents / 100:.2f}"
    page.goto(f"/dashboard/payments?amount_min={amount}&amount_max={amount}&q=metadata['batch']:'{tag}'")
    links = page.locator("table.list tbody tr a")
    expect(links).to_have_count(25)
    first_page = [href.split("/")[-1] for href in links.evaluate_all("els => els.map(e => e.getAttribute('href'))")]
    assert first_page == list(reversed(created))[:25]

    page.get_by_role("link", name="Older →").click()
    expect(links).to_have_count(2)
    second_page = [href.split("/")[-1] for href in links.evaluate_all("els => els.map(e => e.getAttribute('href'))")]
    assert second_page == list(reversed(created))[25:]
    expect(page.get_by_role("link", name="Older →")).to_have_count(0)
    assert f"amount_min={amount}" in page.url

    page.get_by_role("link", name="← Newer").click()
    expect(links).to_have_count(25)
    again = [href.split("/")[-1] for href in links.evaluate_all("els => els.map(e => e.getAttribute('href'))")]
    assert again == first_page
