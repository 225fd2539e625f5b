"""The `Stripe-Signature` header (stripe-behaviour §7.4).

`t=<unix seconds>,v1=<hex>[,v1=<hex>…]`: each `v1` is the lowercase hex HMAC-SHA256 of
`"{t}.{body}"` keyed with one active signing secret, the `whsec_…` string itself as
UTF-8 bytes (not base64-decoded).  After a secret roll both the new and the old secret
sign until the old one expires, so receivers holding either verify.  Every attempt is
signed afresh with the time it is sent.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

SCHEME = "v1"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """One `v1` value: HMAC-SHA256 over `"{t}.{body}"`."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signature_header(secrets: Sequence[str], timestamp: int, body: bytes) -> str:
    """The header value for a delivery signed now with every active secret."""
    if not secrets:
        raise ValueError("an endpoint always has at least one active secret")
    parts = [f"t={timestamp}"]
    parts += [f"{SCHEME}={signature(secret, timestamp, body)}" for secret in secrets]
    return ",".join(parts)


def verify(header: str, body: bytes, secret: str, now: int, tolerance: int = 300) -> bool:
    """What a receiver does (and what the SDKs do): one matching `v1` within the
    tolerance.  tender uses it only in tests and `tender listen` diagnostics."""
    try:
        pairs = [item.split("=", 1) for item in header.split(",")]
        timestamp = int(next(value for key, value in pairs if key == "t"))
    except (StopIteration, ValueError):
        return False
    if now - timestamp > tolerance:
        return False
    expected = signature(secret, timestamp, body)
    return any(
        key == SCHEME and hmac.compare_digest(value, expected) for key, value in pairs
    )
