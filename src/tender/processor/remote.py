"""`RemoteProcessor`: tender's client for a processor in another process, reached over
HTTP (`TENDER_PROCESSOR=http://host:port`); `remote_sim` is such a processor.

Money movement (`authorize`, `lookup`) goes over the wire with the attempt id as the
idempotency key.  Card data stays in this package as it does with the in-process
simulator: the simulator's tokens name a test-card row and nothing else, so the far side
resolves them without shared state, and fingerprints stay keyed by the account's key.
Refunds and incremental authorisations are still answered here (see
docs/architecture.md, "Processor calls and recovery").
"""

from __future__ import annotations

from typing import Any

import httpx

from tender.core.errors import CardError
from tender.processor.base import (
    AttemptClosed,
    AuthorizationRequest,
    AuthorizationResult,
    CardDetails,
    IncrementResult,
    ProcessorUnavailable,
    RefundResult,
)
from tender.processor.simulator import Simulator
from tender.processor.wire import request_to_json, result_from_json

DEFAULT_TIMEOUT = 10.0  # seconds for one call; an attempt unanswered by then is left to recovery


class RemoteProcessor:
    """A processor behind HTTP: `POST /v1/authorizations` and
    `POST /v1/authorizations/{attempt_id}/lookup`."""

    remote = True

    def __init__(self, base_url: str, fingerprint_key: bytes, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._cards = Simulator(fingerprint_key)
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout)

    # -- money movement, over the wire -------------------------------------------------

    def authorize(self, request: AuthorizationRequest, attempt_id: str | None = None) -> AuthorizationResult:
        if not attempt_id:
            raise ValueError("a remote processor needs the attempt id (its idempotency key)")
        answer = self._post("/v1/authorizations", {"attempt_id": attempt_id, "request": request_to_json(request)})
        if answer.status_code == 409:
            raise AttemptClosed(attempt_id)
        return result_from_json(self._json(answer)["result"])

    def lookup(self, attempt_id: str) -> AuthorizationResult | None:
        answer = self._post(f"/v1/authorizations/{attempt_id}/lookup", {})
        if answer.status_code == 404:
            return None
        return result_from_json(self._json(answer)["result"])

    # -- card data, answered here --------------------------------------------------------

    def tokenize_card(self, number: str, exp_month: int, exp_year: int, cvc: str | None) -> CardDetails:
        return self._cards.tokenize_card(number, exp_month, exp_year, cvc)

    def test_payment_method(self, alias: str) -> CardDetails | None:
        return self._cards.test_payment_method(alias)

    def check_attachable(self, token: str) -> CardError | None:
        return self._cards.check_attachable(token)

    def increment_authorization(self, token: str, new_amount: int) -> IncrementResult:
        return self._cards.increment_authorization(token, new_amount)

    def refund(self, token: str, amount: int) -> RefundResult:
        return self._cards.refund(token, amount)

    def close(self) -> None:
        self._http.close()

    # -- helpers ---------------------------------------------------------------------------

    def _post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        try:
            answer = self._http.post(path, json=body)
        except httpx.HTTPError as exc:
            raise ProcessorUnavailable(f"{self.base_url}{path}: {type(exc).__name__}: {exc}") from exc
        if answer.status_code >= 500:
            raise ProcessorUnavailable(f"{self.base_url}{path}: HTTP {answer.status_code}")
        return answer

    def _json(self, answer: httpx.Response) -> dict[str, Any]:
        if answer.status_code != 200:
            raise ProcessorUnavailable(f"{self.base_url}: HTTP {answer.status_code}: {answer.text[:200]}")
        data: dict[str, Any] = answer.json()
        return data
