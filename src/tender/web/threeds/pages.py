"""The 3-D Secure challenge page tender serves in place of an issuer's (§1.6, §8.1, §10.2).

One page for PaymentIntents (`pi_…`) and SetupIntents (`seti_…`), told apart by the id
in its URL `/3d_secure/{account}/{intent}/{nonce}`.  GET shows "Complete
authentication" / "Fail authentication"; POST applies the choice and either redirects
to the merchant's `return_url` (with `payment_intent`, `payment_intent_client_secret`
or `setup_intent`, `setup_intent_client_secret`, and `redirect_status`) or, inside
Stripe.js-style iframes, tells the parent window that the challenge is over.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import jinja2

from tender.core import ids
from tender.core.errors import StripeError
from tender.core.money import format_amount
from tender.services import authentication, charge_attempts, payment_intents, setup_intents
from tender.services.context import Context
from tender.store.base import Tx

_env = jinja2.Environment(
    loader=jinja2.PackageLoader("tender.web.threeds", "."),
    autoescape=True,
)

REDIRECT_STATUS = {
    "succeeded": "succeeded",
    "requires_capture": "succeeded",
    "requires_confirmation": "succeeded",
    "processing": "processing",
}

Completion = Callable[[Tx, Context, str, str, bool], tuple[dict[str, Any], str | None]]


@dataclass(frozen=True)
class Flow:
    """What differs between authenticating a payment and a setup."""

    type: str  # the intent's object type
    completion: Completion  # the service that applies the customer's answer


FLOWS = {
    "pi": Flow("payment_intent", payment_intents.complete_authentication),
    "seti": Flow("setup_intent", setup_intents.complete_authentication),
}


def flow_for(intent_id: str) -> Flow | None:
    """The flow an intent id belongs to, by its prefix; None for anything else."""
    return FLOWS.get(intent_id.split("_", 1)[0])


def render_challenge(intent: dict[str, Any]) -> str:
    amount = format_amount(intent["amount"], intent["currency"]) if "amount" in intent else None
    return _env.get_template("challenge.html").render(
        done=False, intent_id=intent["id"], amount=amount, setup=intent["object"] == "setup_intent"
    )


def render_done(intent: dict[str, Any], message: str) -> str:
    return _env.get_template("challenge.html").render(
        done=True, intent_id=intent["id"], status=intent["status"], message=message
    )


def redirect_url(return_url: str, intent: dict[str, Any]) -> str:
    """The merchant's URL with Stripe's query parameters appended (theirs survive)."""
    kind = intent["object"]
    parts = urlsplit(return_url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query += [
        (kind, intent["id"]),
        (f"{kind}_client_secret", intent["client_secret"]),
        ("redirect_status", REDIRECT_STATUS.get(intent["status"], "failed")),
    ]
    return urlunsplit(parts._replace(query=urlencode(query)))


async def challenge(
    store: Any, processor: Any, account: str, intent_id: str, nonce: str, method: str,
    form: dict[str, str], base_url: str,
) -> tuple[int, str, str | None]:
    """(status, html, redirect location) for one request to the challenge page."""
    flow = flow_for(intent_id)
    if flow is None:
        return 404, _expired(), None
    ctx = Context(account=account, processor=processor, request_id=ids.new_id("request"), base_url=base_url)

    if method == "GET":
        def look(tx: Any) -> dict[str, Any] | None:
            stored = tx.get(flow.type, intent_id)
            if authentication.open_challenge(stored, nonce) is None:
                return None
            return dict(stored.doc)

        intent = await store.read(account, look)
        if intent is None:
            return 404, _expired(), None
        return 200, render_challenge(intent), None

    succeeded = form.get("action") == "complete"

    def complete(tx: Any) -> tuple[dict[str, Any], str | None]:
        return flow.completion(tx, ctx, intent_id, nonce, succeeded)

    try:
        intent, return_url = await store.write(account, complete)
    except StripeError:
        return 404, _expired(), None
    if ctx.charge_attempt is not None:  # a remote processor decides the payment now
        try:
            intent = await charge_attempts.settle(store, ctx, ctx.charge_attempt)
        except StripeError:
            pass  # it stays `processing` until recovery settles it
    if return_url:
        return 303, "", redirect_url(return_url, intent)
    message = "Authentication complete. You can close this window." if succeeded else "Authentication failed."
    return 200, render_done(intent, message), None


def _expired() -> str:
    return (
        "<!doctype html><title>Authentication unavailable</title>"
        "<p>This authentication has already been completed or is no longer valid.</p>"
    )
