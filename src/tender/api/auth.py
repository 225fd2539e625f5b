"""API keys: Bearer or Basic `Authorization`, or Stripe.js's `key=` parameter.

Keys are looked up by SHA-256 hash; the store never holds a secret key in clear.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from tender.core.errors import AuthenticationError

NO_KEY_MESSAGE = (
    "You did not provide an API key. You need to provide your API key in the Authorization "
    "header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See "
    "https://stripe.com/docs/api#authentication for details, or we can help at "
    "https://support.stripe.com/."
)
SECRET_REQUIRED_MESSAGE = (
    "This API call cannot be made with a publishable API key. Please use a secret API key. "
    "You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys."
)


@dataclass(frozen=True)
class Caller:
    account: str
    publishable: bool
    last4: str = ""  # of the key, for the request log; never more of it


def masked(key: str) -> str:
    """`sk_test_****abcd`: never echo a key beyond its prefix and last four."""
    prefix = key[: key.find("_", 3) + 1] if key[:3] in ("sk_", "pk_", "rk_") else ""
    # A short key would be (nearly) echoed whole: show none of it.
    tail = key[-4:] if len(key) - len(prefix) >= 12 else ""
    return f"{prefix}****{tail}"


MALFORMED_HEADER_MESSAGE = (
    "Invalid Authorization header. Send your API key as 'Authorization: Bearer "
    "YOUR_SECRET_KEY', or with Basic auth using the key as the user name and an empty "
    "password (curl -u YOUR_SECRET_KEY:)."
)


def key_from_header(header: str | None) -> str | None:
    """The key an `Authorization` header carries; None when the header says nothing.

    A header that is present but unreadable (unknown scheme, Basic credentials that are
    not base64 of UTF-8) is a 401 of its own rather than "you did not provide a key".
    """
    if not header or not header.strip():
        return None
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() == "bearer":
        return value.strip() or None
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except ValueError:
            raise AuthenticationError(MALFORMED_HEADER_MESSAGE) from None
        return decoded.split(":", 1)[0] or None
    raise AuthenticationError(MALFORMED_HEADER_MESSAGE)


def no_key() -> AuthenticationError:
    return AuthenticationError(NO_KEY_MESSAGE)


def invalid_key(key: str) -> AuthenticationError:
    return AuthenticationError(f"Invalid API Key provided: {masked(key)}")


def secret_key_required() -> AuthenticationError:
    return AuthenticationError(SECRET_REQUIRED_MESSAGE, code="secret_key_required")
