"""Authorisation requests and answers as JSON: what travels to a remote processor and
what tender stores with a charge attempt (`tender.services.charge_attempts`)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from tender.processor.base import (
    Approved,
    AuthenticationRequired,
    AuthorizationRequest,
    AuthorizationResult,
    Checks,
    Declined,
    Outcome,
    ThreeDSecure,
)

KINDS: dict[type, str] = {
    Approved: "approved",
    Declined: "declined",
    AuthenticationRequired: "authentication_required",
}


def request_to_json(request: AuthorizationRequest) -> dict[str, Any]:
    return asdict(request)


def request_from_json(data: dict[str, Any]) -> AuthorizationRequest:
    return AuthorizationRequest(**data)


def result_to_json(result: AuthorizationResult) -> dict[str, Any]:
    """The answer's fields plus `kind` (approved, declined, authentication_required)."""
    return {"kind": KINDS[type(result)], **asdict(result)}


def result_from_json(data: dict[str, Any]) -> AuthorizationResult:
    fields = dict(data)
    kind = fields.pop("kind")
    if kind == "authentication_required":
        return AuthenticationRequired(**fields)
    fields["outcome"] = Outcome(**fields["outcome"])
    fields["checks"] = Checks(**fields["checks"])
    if fields.get("three_d_secure") is not None:
        fields["three_d_secure"] = ThreeDSecure(**fields["three_d_secure"])
    if kind == "approved":
        return Approved(**fields)
    if kind == "declined":
        return Declined(**fields)
    raise ValueError(f"unknown authorisation answer: {kind!r}")
