"""API tests drive a live tender through the official `stripe` SDK; every response the
SDK receives is validated against Stripe's OpenAPI schema on the way in."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import stripe

from tests.support.openapi import validate_response
from tests.support.server import PUBLISHABLE_KEY, SECRET_KEY, TenderServer


class ValidatingClient(stripe.RequestsClient):  # type: ignore[misc]
    """The SDK's own HTTP client, checking each answer against the published schema."""

    def request(self, method: str, url: str, headers: Any, post_data: Any = None) -> Any:
        content, status, response_headers = super().request(method, url, headers, post_data)
        authorization = (headers or {}).get("Authorization", "")
        publishable = "pk_" in authorization or "key=pk_" in (post_data or "") or "key=pk_" in url
        validate_response(status, content, full_shape=not publishable)
        assert response_headers.get("Request-Id", "").startswith("req_")
        return content, status, response_headers


@pytest.fixture(scope="session")
def server() -> Iterator[TenderServer]:
    srv = TenderServer().start()
    yield srv
    srv.stop()


@pytest.fixture(autouse=True)
def sdk(server: TenderServer) -> Iterator[None]:
    stripe.api_key = SECRET_KEY
    stripe.api_base = server.base_url
    stripe.max_network_retries = 0
    stripe.default_http_client = ValidatingClient()
    yield


@pytest.fixture
def http(server: TenderServer) -> Iterator[httpx.Client]:
    """Raw HTTP with the secret key, for what the SDK cannot send (malformed bodies)."""
    with httpx.Client(base_url=server.base_url, auth=(SECRET_KEY, "")) as client:
        yield client


@pytest.fixture
def browser_http(server: TenderServer) -> Iterator[httpx.Client]:
    """Raw HTTP as Stripe.js sends it: publishable key as `key=`, no Authorization."""
    with httpx.Client(base_url=server.base_url) as client:
        yield client


__all__ = ["PUBLISHABLE_KEY", "SECRET_KEY"]
