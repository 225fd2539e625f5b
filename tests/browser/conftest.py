"""Browser tests: Debian's chromium, driven by Playwright, against a live tender and the
example checkout (examples/checkout) running as the merchant.

Playwright's own browser downloads are never used: `executable_path` points at the
system chromium (`apt-get install chromium`, done by .ci/run).  Screenshots of the
checkout and of the 3-D Secure challenge land in test-artifacts/browser/.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import stripe

from tests.support.server import PUBLISHABLE_KEY, SECRET_KEY, TenderServer, free_port

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = os.environ.get("TENDER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

try:
    from playwright.sync_api import Browser, Page, sync_playwright
except ImportError:  # pragma: no cover - the test extras install it
    sync_playwright = None


def _require_browser() -> None:
    missing = sync_playwright is None or not shutil.which(CHROMIUM)
    if missing:
        reason = f"browser tests need the playwright package and {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


class ExampleShop:
    """examples/checkout as a merchant would run it: its own process, tender's keys in env."""

    def __init__(self, tender: TenderServer) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(tender.dir) / "example.log"
        client = stripe.StripeClient(SECRET_KEY, base_addresses={"api": tender.base_url}, max_network_retries=0)
        endpoint = client.v1.webhook_endpoints.create(
            params={"url": self.base_url + "/webhook", "enabled_events": ["*"]}
        )
        self.webhook_secret: str = endpoint.secret or ""
        env = {
            **os.environ,
            "TENDER_URL": tender.base_url,
            "STRIPE_SECRET_KEY": SECRET_KEY,
            "STRIPE_PUBLISHABLE_KEY": PUBLISHABLE_KEY,
            "STRIPE_WEBHOOK_SECRET": self.webhook_secret,
        }
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "examples.checkout", "--port", str(self.port)],
                cwd=ROOT, env=env, stdout=log, stderr=log,
            )
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"example exited: {self.log_path.read_text()}")
            try:
                if httpx.get(self.base_url + "/webhook/events", timeout=0.5).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError(f"example did not start: {self.log_path.read_text()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture(scope="session")
def tender() -> Iterator[TenderServer]:
    server = TenderServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def shop(tender: TenderServer) -> Iterator[ExampleShop]:
    example = ExampleShop(tender)
    yield example
    example.stop()


@pytest.fixture(autouse=True)
def sdk(tender: TenderServer) -> None:
    """Assertions go through the official SDK, as the merchant's server would read them."""
    stripe.api_key = SECRET_KEY
    stripe.api_base = tender.base_url
    stripe.max_network_retries = 0
    stripe.default_http_client = stripe.RequestsClient()


_SHARED: dict[str, Any] = {}


def shared_browser() -> Browser:
    """One chromium per test process, shared by tests/browser and tests/dashboard: two
    sync_playwright instances cannot run in one process."""
    if "browser" not in _SHARED:
        _require_browser()
        assert sync_playwright is not None
        playwright = sync_playwright().start()
        _SHARED["playwright"] = playwright
        _SHARED["browser"] = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        atexit.register(_close_shared_browser)
    browser: Browser = _SHARED["browser"]
    return browser


def _close_shared_browser() -> None:
    _SHARED.pop("browser").close()
    _SHARED.pop("playwright").stop()


@pytest.fixture(scope="session")
def browser() -> Browser:
    return shared_browser()


class Traffic:
    """What one page did: its console output and every request it sent."""

    def __init__(self) -> None:
        self.console: list[str] = []
        self.requests: list[tuple[str, str, str]] = []  # method, url, body

    def secrets_in_console(self) -> list[str]:
        return [line for line in self.console if "_secret_" in line]


@pytest.fixture
def traffic() -> Traffic:
    return Traffic()


@pytest.fixture
def page(browser: Browser, traffic: Traffic, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 900, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    tab.on("console", lambda message: traffic.console.append(message.text))
    tab.on("pageerror", lambda error: traffic.console.append(f"pageerror: {error}"))
    tab.on("request", lambda r: traffic.requests.append((r.method, r.url, r.post_data or "")))
    yield tab
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(ARTIFACTS / f"failed-{request.node.name}.png"), full_page=True)
    context.close()
    # tender.js never logs, and nothing it does may put the client secret in the console.
    assert traffic.secrets_in_console() == []
    assert not [line for line in traffic.console if line.startswith("pageerror")], traffic.console


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    report = yield
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]
    return report


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)
