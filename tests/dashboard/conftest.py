"""Dashboard tests: a live tender with a dashboard password, Debian's chromium driven by
Playwright (the launch options and `browser` fixture of tests/browser), plain httpx for
what needs no browser.  Screenshots land in test-artifacts/dashboard/."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import stripe

from tests.browser.conftest import shared_browser
from tests.support.server import SECRET_KEY, TenderServer

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "dashboard"
PASSWORD = "correct horse battery"

try:
    from playwright.sync_api import Browser, Page
except ImportError:  # pragma: no cover - the test extras install it
    pass


def start_with_password() -> TenderServer:
    server = TenderServer().start()
    subprocess.run(
        [sys.executable, "-m", "tender.cli", "dashboard", "set-password", "--password", PASSWORD],
        env={**os.environ, "TENDER_DB": server.db}, check=True, capture_output=True,
    )
    return server


@pytest.fixture(scope="session")
def tender() -> Iterator[TenderServer]:
    server = start_with_password()
    yield server
    server.stop()


@pytest.fixture
def private_tender() -> Iterator[TenderServer]:
    """A server of the test's own, for what would disturb the shared one (rolled keys,
    a client locked out of signing in)."""
    server = start_with_password()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def sdk(tender: TenderServer) -> None:
    stripe.api_key = SECRET_KEY
    stripe.api_base = tender.base_url
    stripe.max_network_retries = 0
    stripe.default_http_client = stripe.RequestsClient()


def form_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def signed_in_client(tender: TenderServer) -> httpx.Client:
    client = httpx.Client(base_url=tender.base_url, timeout=10)
    page = client.get("/dashboard/login")
    answer = client.post("/dashboard/login", data={"csrf_token": form_token(page.text), "password": PASSWORD})
    assert answer.status_code == 303, answer.text
    return client


@pytest.fixture(scope="session")
def browser() -> Browser:
    return shared_browser()


@contextmanager
def browser_tab(browser: Browser, server: TenderServer, sign_in: bool = True) -> Iterator[Page]:
    """A tab of a fresh browser context on `server`, signed in unless told otherwise;
    script errors on any page fail the test."""
    context = browser.new_context(
        viewport={"width": 1100, "height": 900}, base_url=server.base_url, accept_downloads=True,
    )
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    if sign_in:
        tab.goto("/dashboard")
        tab.get_by_label("Password").fill(PASSWORD)
        tab.get_by_role("button", name="Sign in").click()
        tab.wait_for_url("**/dashboard")
    try:
        yield tab
    finally:
        context.close()
    assert errors == []


@pytest.fixture
def page(browser: Browser, tender: TenderServer) -> Iterator[Page]:
    with browser_tab(browser, tender) as tab:
        yield tab


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)
