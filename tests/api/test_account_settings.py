"""The account's statement descriptor prefix, set with `tender account`, shapes later charges."""

from __future__ import annotations

import os
import subprocess
import sys

import stripe

from tests.support.server import TenderServer


def _tender(server: TenderServer, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TENDER_DB": server.db}
    return subprocess.run(
        [sys.executable, "-m", "tender.cli", "account", *args], env=env, capture_output=True, text=True
    )


def test_descriptor_prefix_applies_to_the_next_charge() -> None:
    server = TenderServer().start()
    try:
        stripe.api_base = server.base_url
        done = _tender(server, "--statement-descriptor-prefix", "ROCKETRIDE")
        assert done.returncode == 0, done.stderr
        intent = stripe.PaymentIntent.create(
            amount=2000, currency="usd", payment_method_types=["card"], payment_method="pm_card_visa",
            confirm=True, statement_descriptor_suffix="Order 12",
        )
        charge = stripe.Charge.retrieve(intent.latest_charge)
        assert charge.calculated_statement_descriptor == "ROCKETRIDE* ORDER 12"
    finally:
        server.stop()


def test_invalid_prefix_is_refused_and_changes_nothing() -> None:
    server = TenderServer().start()
    try:
        stripe.api_base = server.base_url
        refused = _tender(server, "--statement-descriptor-prefix", "BAD*PREFIX")
        assert refused.returncode != 0
        assert "invalid characters" in refused.stderr
        intent = stripe.PaymentIntent.create(
            amount=2000, currency="usd", payment_method_types=["card"], payment_method="pm_card_visa",
            confirm=True, statement_descriptor_suffix="Order 12",
        )
        assert stripe.Charge.retrieve(intent.latest_charge).calculated_statement_descriptor == "TENDER* ORDER 12"
    finally:
        server.stop()


def test_rolled_keys_replace_the_old_ones_within_seconds() -> None:
    import re
    import time

    import httpx

    from tests.support.server import SECRET_KEY

    server = TenderServer().start()
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TENDER_")}
        env["TENDER_DB"] = server.db
        rolled = subprocess.run(
            [sys.executable, "-m", "tender.cli", "keys", "roll"], env=env, capture_output=True, text=True
        )
        assert rolled.returncode == 0, rolled.stderr
        new_key = re.search(r"sk_test_\w+", rolled.stdout.replace("\n", ""))
        assert new_key and new_key.group(0) != SECRET_KEY
        deadline = time.time() + 10
        status = 200
        while time.time() < deadline:
            status = httpx.get(server.base_url + "/v1/balance", auth=(SECRET_KEY, "")).status_code
            if status == 401:
                break
            time.sleep(0.5)
        assert status == 401
        assert httpx.get(server.base_url + "/v1/balance", auth=(new_key.group(0), "")).status_code == 200
    finally:
        server.stop()
