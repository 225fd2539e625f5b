"""Signing in: after five wrong passwords within a minute the client is refused for a
while (429 with a clear message), even with the right password."""

from __future__ import annotations

import httpx
from playwright.sync_api import Browser, expect

from tender.web.dashboard.throttle import LoginThrottle
from tests.dashboard.conftest import PASSWORD, browser_tab, form_token, screenshot
from tests.support.server import TenderServer


def test_five_wrong_passwords_lock_the_client_out(browser: Browser, private_tender: TenderServer) -> None:
    with browser_tab(browser, private_tender, sign_in=False) as page:
        page.goto("/dashboard/login")
        for attempt in range(4):
            page.get_by_label("Password").fill(f"wrong guess {attempt}")
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_role("alert")).to_contain_text("That password is not right")
        page.get_by_label("Password").fill("wrong guess 4")
        with page.expect_response("**/dashboard/login") as answer:
            page.get_by_role("button", name="Sign in").click()
        assert answer.value.status == 429
        expect(page.get_by_role("alert")).to_contain_text("Too many wrong passwords")
        screenshot(page, "login-locked.png")

        # The right password does not help now.
        page.get_by_label("Password").fill(PASSWORD)
        with page.expect_response("**/dashboard/login") as answer:
            page.get_by_role("button", name="Sign in").click()
        assert answer.value.status == 429
        assert int(answer.value.headers["retry-after"]) > 0
        page.goto("/dashboard")
        expect(page).to_have_url(f"{private_tender.base_url}/dashboard/login?next=/dashboard")

    # Nor from another browser on the same address.
    client = httpx.Client(base_url=private_tender.base_url)
    token = form_token(client.get("/dashboard/login").text)
    refused = client.post("/dashboard/login", data={"csrf_token": token, "password": PASSWORD})
    assert refused.status_code == 429
    assert "Too many wrong passwords" in refused.text


def test_the_throttle_forgets_after_the_lockout_and_on_success() -> None:
    throttle = LoginThrottle(max_failures=3, window=60, lockout=300)
    for second in (0, 10, 20):
        assert throttle.retry_after("1.2.3.4", now=second) == 0
        throttle.failed("1.2.3.4", now=second)
    assert throttle.retry_after("1.2.3.4", now=21) == 299
    assert throttle.retry_after("5.6.7.8", now=21) == 0  # others are not affected
    assert throttle.retry_after("1.2.3.4", now=320) == 0
    # Failures further apart than the window never add up.
    for second in (400, 470, 540):
        throttle.failed("9.9.9.9", now=second)
    assert throttle.retry_after("9.9.9.9", now=541) == 0
    # A success wipes the count.
    throttle.failed("7.7.7.7", now=600)
    throttle.failed("7.7.7.7", now=601)
    throttle.succeeded("7.7.7.7")
    throttle.failed("7.7.7.7", now=602)
    assert throttle.retry_after("7.7.7.7", now=603) == 0


def test_the_throttle_remembers_a_bounded_number_of_clients() -> None:
    throttle = LoginThrottle(max_failures=2, max_clients=100)
    for n in range(1000):
        throttle.failed(f"10.0.{n // 256}.{n % 256}", now=0)
    assert len(throttle._clients) == 100
