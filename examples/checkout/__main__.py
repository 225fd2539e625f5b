"""`python -m examples.checkout [--with-tender]`: run the example merchant on port 4242.

With `--with-tender` (what `make example` runs) it first starts its own tender on port
12112 with demo keys and a database of its own (`example.db`), registers its webhook
endpoint there, and stops tender again on exit.  Without it, point it at a running tender
with TENDER_URL, STRIPE_SECRET_KEY, STRIPE_PUBLISHABLE_KEY (and STRIPE_WEBHOOK_SECRET).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import urllib.request

import stripe
import uvicorn

from examples.checkout.app import Settings, create_app

DEMO_SECRET_KEY = "sk_test_checkout_example_0123456789abcdefghijkl"
DEMO_PUBLISHABLE_KEY = "pk_test_checkout_example_0123456789abcdefghijkl"
DEMO_TENDER_PORT = 12112


def start_tender(port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "TENDER_PORT": str(port),
        "TENDER_DB": os.environ.get("TENDER_DB", "sqlite:///example.db"),
        "TENDER_SECRET_KEY": DEMO_SECRET_KEY,
        "TENDER_PUBLISHABLE_KEY": DEMO_PUBLISHABLE_KEY,
    }
    process = subprocess.Popen([sys.executable, "-m", "tender.cli", "serve"], env=env)
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return process
        except OSError:
            if process.poll() is not None:
                raise SystemExit("tender exited; see its output above") from None
            time.sleep(0.1)
    process.terminate()
    raise SystemExit("tender did not start within 20 s")


def register_webhook(settings: Settings, url: str) -> str | None:
    """A webhook endpoint for this app on tender; its signing secret, or None if refused."""
    client = stripe.StripeClient(settings.secret_key, base_addresses={"api": settings.tender_url})
    try:
        # A signing secret is shown only when an endpoint is made: replace earlier runs' endpoint.
        for old in client.v1.webhook_endpoints.list().auto_paging_iter():
            if old.url == url:
                client.v1.webhook_endpoints.delete(old.id)
        endpoint = client.v1.webhook_endpoints.create(params={"url": url, "enabled_events": ["*"]})
    except stripe.StripeError as err:
        print(f"webhook endpoint not registered ({err.user_message or err}); /webhook will refuse events")
        return None
    return endpoint.secret


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m examples.checkout", description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("EXAMPLE_PORT", 4242)))
    parser.add_argument("--with-tender", action="store_true", help="start a tender with demo keys first")
    args = parser.parse_args(argv)

    tender = None
    if args.with_tender:
        tender = start_tender(DEMO_TENDER_PORT)
        os.environ.update(
            TENDER_URL=f"http://127.0.0.1:{DEMO_TENDER_PORT}",
            STRIPE_SECRET_KEY=DEMO_SECRET_KEY,
            STRIPE_PUBLISHABLE_KEY=DEMO_PUBLISHABLE_KEY,
        )
    try:
        settings = Settings.from_env()
        if tender is not None and not settings.webhook_secret:
            secret = register_webhook(settings, f"http://{args.host}:{args.port}/webhook")
            settings = Settings(settings.tender_url, settings.secret_key, settings.publishable_key, secret)
        print(f"Rocket Rides checkout on http://{args.host}:{args.port}  (tender at {settings.tender_url})")
        # No access log: the return_url page's query carries the client secret (Stripe's redirect flow).
        uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="warning", access_log=False)
    finally:
        if tender is not None:
            tender.terminate()
            tender.wait(timeout=10)


if __name__ == "__main__":
    main()
