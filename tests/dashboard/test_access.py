"""Nothing of the dashboard without a session; no form accepted without its CSRF token;
login links work once."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import stripe

from tests.dashboard.conftest import form_token, signed_in_client
from tests.support.server import TenderServer

PAGES = [
    "/dashboard", "/dashboard/payments", "/dashboard/payments?status=succeeded",
    "/dashboard/payments?from=2020-01-01&to=2030-01-01&amount_min=1&amount_max=2",
    "/dashboard/payments/pi_x", "/dashboard/settings", "/dashboard/webhooks", "/dashboard/webhooks/we_x",
    "/dashboard/customers", "/dashboard/customers?email=a", "/dashboard/customers/cus_x",
    "/dashboard/events", "/dashboard/events?type=charge.*", "/dashboard/events/evt_x",
    "/dashboard/logs", "/dashboard/logs?status=4", "/dashboard/reports",
    "/dashboard/reports/payments.csv?from=2020-01-01&to=2030-01-01",
    "/dashboard/reports/balance_transactions.csv?from=2020-01-01&to=2030-01-01",
]
ACTIONS = [
    "/dashboard/payments/pi_x/refund", "/dashboard/payments/pi_x/capture", "/dashboard/payments/pi_x/cancel",
    "/dashboard/payments/pi_x/metadata", "/dashboard/settings", "/dashboard/webhooks/we_x/resend",
    "/dashboard/customers/cus_x/metadata", "/dashboard/settings/keys/roll", "/dashboard/webhooks",
    "/dashboard/webhooks/we_x/disable", "/dashboard/webhooks/we_x/enable", "/dashboard/webhooks/we_x/delete",
    "/dashboard/logout",
]


def test_every_page_without_a_session_redirects_to_sign_in(tender: TenderServer) -> None:
    for path in PAGES:
        answer = httpx.get(tender.base_url + path)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/dashboard/login?next="), path


def test_every_action_without_a_session_is_forbidden(tender: TenderServer) -> None:
    intent = stripe.PaymentIntent.create(amount=1500, currency="usd", payment_method="pm_card_visa", confirm=True,
                                         automatic_payment_methods={"enabled": True, "allow_redirects": "never"})
    endpoint = stripe.WebhookEndpoint.create(url="https://example.com/hook", enabled_events=["*"])
    real = [f"/dashboard/payments/{intent.id}/refund", f"/dashboard/webhooks/{endpoint.id}/delete",
            f"/dashboard/webhooks/{endpoint.id}/disable"]
    form = {"confirmed": "yes", "amount": "1", "expire_old_in": "0", "url": "https://evil.example/x",
            "enabled_events": "*"}
    for path in ACTIONS + real:
        answer = httpx.post(tender.base_url + path, data=form)
        assert answer.status_code == 403, path
    assert stripe.WebhookEndpoint.retrieve(endpoint.id).status == "enabled"
    assert [e.url for e in stripe.WebhookEndpoint.list().data].count("https://evil.example/x") == 0
    stripe.WebhookEndpoint.delete(endpoint.id)
    # A forged or expired-looking cookie is no session either.
    forged = httpx.get(tender.base_url + "/dashboard", cookies={"tender_dashboard": "e30.bad"})
    assert forged.status_code == 303
    assert stripe.Refund.list(payment_intent=intent.id).data == []


def test_forms_without_the_csrf_token_are_refused(tender: TenderServer) -> None:
    client = signed_in_client(tender)
    before = client.get("/dashboard/settings")
    assert before.status_code == 200
    for data in ({"statement_descriptor_prefix": "FORGED"},
                 {"statement_descriptor_prefix": "FORGED", "csrf_token": "0" * 64}):
        assert client.post("/dashboard/settings", data=data).status_code == 403
    assert "FORGED" not in client.get("/dashboard/settings").text
    # The token of one session is no good in another.
    other = signed_in_client(tender)
    stolen = form_token(other.get("/dashboard/settings").text)
    assert client.post("/dashboard/settings", data={"statement_descriptor_prefix": "FORGED", "csrf_token": stolen}).status_code == 403
    # Every action, signed in but without the token (or with a wrong one), is refused.
    for path in ACTIONS:
        for data in ({"confirmed": "yes"}, {"confirmed": "yes", "csrf_token": "0" * 64}):
            assert client.post(path, data=data).status_code == 403, path
    assert client.get("/dashboard/settings").status_code == 200  # still signed in: logout was refused too
    # Signing in needs the sign-in form's own token too.
    fresh = httpx.Client(base_url=tender.base_url)
    assert fresh.post("/dashboard/login", data={"password": "anything"}).status_code == 403


def test_a_wrong_password_is_refused(tender: TenderServer) -> None:
    client = httpx.Client(base_url=tender.base_url)
    token = form_token(client.get("/dashboard/login").text)
    answer = client.post("/dashboard/login", data={"csrf_token": token, "password": "not it at all"})
    assert answer.status_code == 401
    assert client.get("/dashboard").status_code == 303


def test_the_login_link_printed_by_serve_works_once(tender: TenderServer) -> None:
    log = Path(tender.log_path).read_text()
    link = re.search(r"(http://\S+/dashboard/login/\S+)", log)
    assert link, log
    client = httpx.Client()
    first = client.get(link.group(1))
    assert first.status_code == 303
    assert "httponly" in first.headers["set-cookie"].lower()
    assert "samesite=lax" in first.headers["set-cookie"].lower()
    assert client.get(tender.base_url + "/dashboard").status_code == 200
    assert httpx.get(link.group(1)).status_code == 403
