"""The merchant's server: Starlette routes that talk to tender with the official SDK.

Pages (each loads tender.js from tender, exactly as a Stripe page loads Stripe.js):

    /            single-page checkout: the page fetches its client secret from /secret
    /checkout    server-rendered checkout: the client secret is in the template
    /save-card   save a card for later with a SetupIntent (confirmCardSetup)
    /manual      manual confirmation: the server confirms, the page runs handleCardAction
    /payment     the Payment Element and confirmPayment, redirecting to /complete
    /complete    the return_url page: reads the intent named in its query

The client secret is only ever handed to the page that pays; this server never logs it.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import stripe
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

log = logging.getLogger("examples.checkout")
HERE = Path(__file__).parent
AMOUNT = 2000  # $20.00: one ride
CURRENCY = "usd"


@dataclass(frozen=True)
class Settings:
    tender_url: str  # the API base for the SDK, and where pages load /js/v3 from
    secret_key: str
    publishable_key: str
    webhook_secret: str | None  # whsec_… of the webhook endpoint registered with tender

    @classmethod
    def from_env(cls) -> Settings:
        def env(*names: str) -> str | None:
            return next((os.environ[n] for n in names if os.environ.get(n)), None)

        secret = env("STRIPE_SECRET_KEY", "TENDER_SECRET_KEY")
        publishable = env("STRIPE_PUBLISHABLE_KEY", "TENDER_PUBLISHABLE_KEY")
        if not secret or not publishable:
            raise SystemExit(
                "Set STRIPE_SECRET_KEY and STRIPE_PUBLISHABLE_KEY to tender's keys (printed by `tender serve`), "
                "or run `make example`, which starts a tender with demo keys."
            )
        return cls(
            tender_url=(env("TENDER_URL") or "http://127.0.0.1:12111").rstrip("/"),
            secret_key=secret,
            publishable_key=publishable,
            webhook_secret=env("STRIPE_WEBHOOK_SECRET"),
        )


def create_app(settings: Settings) -> Starlette:
    client = stripe.StripeClient(
        settings.secret_key, base_addresses={"api": settings.tender_url}, max_network_retries=0
    )
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    received_events: list[dict[str, Any]] = []

    def page(request: Request, name: str, **context: Any) -> Response:
        context.update(tender_url=settings.tender_url, publishable_key=settings.publishable_key)
        return templates.TemplateResponse(request, name, context)

    def new_payment_intent(**extra: Any) -> stripe.PaymentIntent:
        params: dict[str, Any] = {
            "amount": AMOUNT, "currency": CURRENCY, "payment_method_types": ["card"],
            "description": "Rocket Rides: one ride", **extra,
        }
        return client.v1.payment_intents.create(params=params)  # type: ignore[arg-type]

    # -- the single-page client: it asks for a client secret, then confirms in the browser

    def index(request: Request) -> Response:
        return page(request, "index.html")

    def secret(request: Request) -> Response:
        intent = new_payment_intent()
        return JSONResponse({"client_secret": intent.client_secret})

    # -- server-rendered: the secret travels inside the page

    def checkout(request: Request) -> Response:
        intent = new_payment_intent()
        return page(request, "checkout.html", client_secret=intent.client_secret)

    # -- save a card for later (SetupIntent on a Customer), then charge it off-session

    def save_card(request: Request) -> Response:
        customer = client.v1.customers.create(params={"email": "jenny.rosen@example.com", "name": "Jenny Rosen"})
        setup = client.v1.setup_intents.create(
            params={"customer": customer.id, "usage": "off_session", "payment_method_types": ["card"]}
        )
        return page(request, "save_card.html", client_secret=setup.client_secret)

    # -- manual confirmation: the server confirms, the browser only authenticates

    def manual(request: Request) -> Response:
        return page(request, "manual.html")

    async def pay(request: Request) -> Response:
        body = await request.json()
        try:
            if body.get("payment_intent_id"):
                intent = client.v1.payment_intents.confirm(body["payment_intent_id"])
            else:
                intent = new_payment_intent(
                    payment_method=body["payment_method_id"], confirmation_method="manual", confirm=True
                )
        except stripe.StripeError as err:
            return JSONResponse({"error": {"message": err.user_message or str(err)}}, status_code=400)
        if intent.status == "requires_action":
            return JSONResponse({"requires_action": True, "payment_intent_client_secret": intent.client_secret})
        if intent.status == "succeeded":
            return JSONResponse({"success": True, "payment_intent_id": intent.id})
        return JSONResponse({"error": {"message": f"Unexpected status {intent.status}"}}, status_code=400)

    # -- Payment Element with a redirect to the return_url page

    def payment(request: Request) -> Response:
        intent = new_payment_intent()
        return page(request, "payment.html", client_secret=intent.client_secret)

    def complete(request: Request) -> Response:
        return page(request, "complete.html")

    # -- webhooks: the source of truth for fulfilment, signature checked first

    async def webhook(request: Request) -> Response:
        if not settings.webhook_secret:
            return JSONResponse({"error": "STRIPE_WEBHOOK_SECRET is not set"}, status_code=500)
        payload = await request.body()
        try:
            event = stripe.Webhook.construct_event(
                payload, request.headers.get("stripe-signature", ""), settings.webhook_secret
            )
        except (ValueError, stripe.SignatureVerificationError):
            return JSONResponse({"error": "invalid signature"}, status_code=400)
        object_id = getattr(event.data.object, "id", None)
        received_events.append({"id": event.id, "type": event.type, "object": object_id})
        if event.type == "payment_intent.succeeded":
            log.info("fulfilling the order paid by %s", object_id)
        return JSONResponse({"received": True})

    def events(request: Request) -> Response:
        """What the webhook endpoint has accepted, for the demo (and its tests)."""
        return JSONResponse({"data": received_events})

    return Starlette(
        routes=[
            Route("/", index),
            Route("/secret", secret, methods=["GET", "POST"]),
            Route("/checkout", checkout),
            Route("/save-card", save_card),
            Route("/manual", manual),
            Route("/pay", pay, methods=["POST"]),
            Route("/payment", payment),
            Route("/complete", complete),
            Route("/webhook", webhook, methods=["POST"]),
            Route("/webhook/events", events),
            Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
        ]
    )
