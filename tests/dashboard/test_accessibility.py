"""Accessibility and self-containment: every form control has a label, the keyboard
reaches everything with a visible focus ring, colours meet WCAG AA contrast, and no page
loads anything from anywhere but tender."""

from __future__ import annotations

import re
from pathlib import Path

import stripe
from playwright.sync_api import Browser

from tender.web.dashboard import app as dashboard_app
from tests.dashboard.conftest import browser_tab
from tests.support.server import TenderServer

CSS = Path(dashboard_app.__file__).parent / "static" / "dashboard.css"

UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter(el => el.type !== 'hidden')
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
  .map(el => el.outerHTML)"""
FOCUS_RING = """() => { const s = getComputedStyle(document.activeElement);
  return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2; }"""


def _pages(tender: TenderServer) -> list[str]:
    customer = stripe.Customer.create(email="a11y@example.com", payment_method="pm_card_visa")
    intent = stripe.PaymentIntent.create(
        amount=700, currency="usd", payment_method="pm_card_visa", confirm=True, customer=customer.id,
        metadata={"k": "v"}, automatic_payment_methods={"enabled": True, "allow_redirects": "never"},
    )
    endpoint = stripe.WebhookEndpoint.create(url="https://example.com/a11y", enabled_events=["*"])
    event = stripe.Event.list(limit=1).data[0]
    return [
        "/dashboard", "/dashboard/payments", f"/dashboard/payments/{intent.id}", "/dashboard/customers",
        f"/dashboard/customers/{customer.id}", "/dashboard/events", f"/dashboard/events/{event.id}",
        "/dashboard/webhooks", f"/dashboard/webhooks/{endpoint.id}", "/dashboard/logs", "/dashboard/reports",
        "/dashboard/settings",
    ]


def test_every_control_is_labelled_and_nothing_comes_from_elsewhere(browser: Browser, tender: TenderServer) -> None:
    paths = _pages(tender)
    with browser_tab(browser, tender) as page:
        requested: list[str] = []
        page.on("request", lambda request: requested.append(request.url))
        for path in paths:
            page.goto(path)
            assert page.evaluate(UNLABELLED) == [], path
            assert page.locator("h1").count() == 1, path
            assert page.locator("main#main").count() == 1, path
            for image in page.locator("svg").all():
                assert image.get_attribute("aria-label") or image.get_attribute("aria-hidden"), path
        page.goto("/dashboard/logout")  # the sign-in page too
    with browser_tab(browser, tender, sign_in=False) as page:
        page.on("request", lambda request: requested.append(request.url))
        page.goto("/dashboard/login")
        assert page.evaluate(UNLABELLED) == []
    assert requested
    foreign = [url for url in requested if not url.startswith(tender.base_url + "/")]
    assert foreign == []
    assert any(url.endswith("/dashboard/static/dashboard.css") for url in requested)


def test_the_keyboard_reaches_everything_with_a_visible_focus(browser: Browser, tender: TenderServer) -> None:
    with browser_tab(browser, tender) as page:
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Skip to content"
        assert page.evaluate(FOCUS_RING)
        box = page.locator("a.skip").bounding_box()
        assert box is not None and box["x"] >= 0  # on screen once focused
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"

        # Tab to "Customers" in the navigation and follow it with Enter.
        page.goto("/dashboard")
        for _ in range(15):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.textContent") == "Customers":
                break
        assert page.evaluate(FOCUS_RING)
        page.keyboard.press("Enter")
        page.wait_for_url("**/dashboard/customers")

        # Every control of a form is reachable, in order, and submits with Enter.
        page.keyboard.press("Tab")  # skip link
        for _ in range(20):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.id") == "email":
                break
        assert page.evaluate(FOCUS_RING)
        page.keyboard.type("a11y@")
        page.keyboard.press("Enter")
        page.wait_for_url("**/dashboard/customers?email=a11y%40")


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_text_colours_meet_wcag_aa_contrast() -> None:
    colours = {
        name: value if len(value) == 7 else "#" + "".join(c * 2 for c in value[1:])
        for name, value in re.findall(r"--([a-z]+):\s*(#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3})\b", CSS.read_text())
    }
    white = "#ffffff"
    pairs = {
        "text on page": (colours["fg"], colours["bg"]),
        "text on cards": (colours["fg"], colours["card"]),
        "muted text on cards": (colours["muted"], colours["card"]),
        "muted text on page": (colours["muted"], colours["bg"]),
        "links": (colours["accent"], colours["card"]),
        "links on page": (colours["accent"], colours["bg"]),
        "buttons": (white, colours["accent"]),
        "danger buttons": (white, colours["bad"]),
        "succeeded badges": (colours["ok"], colours["okbg"]),
        "failed badges": (colours["bad"], colours["badbg"]),
        "pending badges": (colours["warn"], colours["warnbg"]),
        "other badges": ("#30313d", "#e3e8ee"),
    }
    low = {name: round(_contrast(*pair), 2) for name, pair in pairs.items() if _contrast(*pair) < 4.5}
    assert low == {}
