"""The one error hierarchy every failure travels through.

    StripeError                      carries type, code, param, message, HTTP status
    ├── InvalidRequestError          400 invalid_request_error
    │   ├── ResourceMissing          404 resource_missing
    │   └── StateError               400 *_unexpected_state (embeds the object)
    ├── AuthenticationError          401 invalid_request_error
    ├── CardError                    402 card_error (declines, authentication_required)
    ├── IdempotencyError             400 idempotency_error
    ├── IdempotencyConflict          409 idempotency_key_in_use
    ├── LockTimeout                  429 lock_timeout
    └── APIError                     500/503 api_error

Only `tender.api` turns these into JSON; everything below raises them.
"""

from __future__ import annotations

from typing import Any

DOC_URL = "https://stripe.com/docs/error-codes/"


class StripeError(Exception):
    """A failure a Stripe client can observe: HTTP status plus the `error` body fields."""

    status = 400
    type = "invalid_request_error"
    should_retry: bool | None = False
    # Raised after a payment attempt whose records must be kept (a decline writes a
    # failed Charge and moves the intent on): the unit of work commits, then the
    # caller sees the error.
    persist_changes = False

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        decline_code: str | None = None,
        status: int | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.param = param
        self.decline_code = decline_code
        if status is not None:
            self.status = status
        # Objects embedded in the error body: payment_intent, setup_intent,
        # payment_method, charge (an id).  Filled by services, rendered by api.
        self.extra: dict[str, Any] = dict(extra or {})

    def body(self) -> dict[str, Any]:
        """The `error` hash, leaving out keys that do not apply (as Stripe does)."""
        err: dict[str, Any] = {}
        if self.code:
            err["code"] = self.code
        if self.decline_code:
            err["decline_code"] = self.decline_code
        if self.code:
            err["doc_url"] = DOC_URL + self.code.replace("_", "-")
        err["message"] = self.message
        if self.param:
            err["param"] = self.param
        for key, value in self.extra.items():
            if value is not None:
                err[key] = value
        err["type"] = self.type
        return err


class InvalidRequestError(StripeError):
    status = 400
    type = "invalid_request_error"


class ResourceMissing(InvalidRequestError):
    status = 404

    def __init__(self, kind: str, object_id: str, param: str | None = None) -> None:
        super().__init__(
            f"No such {kind}: '{object_id}'", code="resource_missing", param=param
        )


class StateError(InvalidRequestError):
    """An operation not allowed in the object's current status."""


class AuthenticationError(StripeError):
    status = 401
    type = "invalid_request_error"


class PermissionError_(StripeError):
    status = 403
    type = "invalid_request_error"


class CardError(StripeError):
    status = 402
    type = "card_error"


class IdempotencyError(StripeError):
    status = 400
    type = "idempotency_error"


class IdempotencyConflict(StripeError):
    status = 409
    type = "invalid_request_error"
    should_retry = True

    def __init__(self) -> None:
        super().__init__(
            "The idempotency key provided is currently being used in another request.",
            code="idempotency_key_in_use",
        )


class LockTimeout(StripeError):
    status = 429
    type = "invalid_request_error"
    should_retry = True

    def __init__(self) -> None:
        super().__init__(
            "This object cannot be accessed right now because another API request or "
            "Stripe process is currently accessing it. If you see this error "
            "intermittently, retry the request. If you see this error frequently and are "
            "making multiple concurrent requests to a single object, make your requests "
            "serially or at a lower rate.",
            code="lock_timeout",
        )


class APIError(StripeError):
    status = 500
    type = "api_error"
    should_retry = True


class ServiceUnavailable(APIError):
    """The database cannot be reached: nothing was done, and a retry may succeed."""

    status = 503


def missing(param: str) -> InvalidRequestError:
    return InvalidRequestError(
        f"Missing required param: {param}.", code="parameter_missing", param=param
    )


def invalid(param: str, message: str, code: str | None = None) -> InvalidRequestError:
    """A parameter present but unacceptable; `code` is Stripe's category when it has one."""
    return InvalidRequestError(message, code=code, param=param)
