"""How a customer proves who they are, for PaymentIntents and SetupIntents alike.

Two proofs: the intent's `client_secret`, which lets a browser holding the publishable key
read and confirm that one intent (§1.13, §4.7), and the 3-D Secure challenge, a page
tender serves in place of the issuer's (§1.6).  A challenge in progress lives in the
intent's private `pending_authentication`: a nonce naming the page, the PaymentMethod
being authenticated, where to send the customer afterwards, and whatever the intent's
flow needs to pick up where it left off.
"""

from __future__ import annotations

from typing import Any

from tender.core import ids
from tender.core.errors import InvalidRequestError
from tender.core.payment_intents import REQUIRES_ACTION
from tender.services.context import Context
from tender.store.base import Stored

PENDING = "pending_authentication"

# The intent's name in messages and the code of its parameter errors, by object type.
_NOUNS = {"payment_intent": "PaymentIntent", "setup_intent": "SetupIntent"}


def check_client_secret(intent: dict[str, Any], client_secret: str | None) -> None:
    """A publishable-key caller must present this intent's own client secret."""
    if client_secret is None:
        raise InvalidRequestError(
            "Missing required param: client_secret.",
            code="parameter_missing",
            param="client_secret",
        )
    if client_secret != intent["client_secret"]:
        raise InvalidRequestError(
            "The client_secret provided does not match the client_secret associated with "
            f"the {_NOUNS[intent['object']]}.",
            code=f"{intent['object']}_invalid_parameter",
            param="client_secret",
        )


def begin_challenge(
    ctx: Context,
    stored: Stored,
    payment_method: str,
    return_url: str | None,
    use_stripe_sdk: bool,
    **resume: Any,
) -> dict[str, Any]:
    """Open a challenge page for `payment_method` and return the intent's `next_action`:
    `redirect_to_url` when the caller gave a return_url and no SDK handles actions,
    `use_stripe_sdk` otherwise (§1.6).  `resume` is kept for when the customer answers."""
    nonce = ids.random_token(24)
    stored.private[PENDING] = {
        "nonce": nonce,
        "payment_method": payment_method,
        "return_url": return_url,
        **resume,
    }
    url = f"{ctx.base_url}/3d_secure/{ctx.account}/{stored.doc['id']}/{nonce}"
    if return_url and not use_stripe_sdk:
        return {
            "type": "redirect_to_url",
            "redirect_to_url": {"return_url": return_url, "url": url},
        }
    return {
        "type": "use_stripe_sdk",
        "use_stripe_sdk": {
            "type": "three_d_secure_redirect",
            "stripe_js": url,
            "source": f"src_{nonce}",
        },
    }


def open_challenge(stored: Stored | None, nonce: str) -> dict[str, Any] | None:
    """The challenge this page's nonce names, if it is still waiting for an answer."""
    pending = stored.private.get(PENDING) if stored else None
    if not pending or pending["nonce"] != nonce:
        return None
    return dict(pending)


def close_challenge(stored: Stored, nonce: str) -> dict[str, Any]:
    """Take the pending challenge off the intent to apply the customer's answer; a page
    answered already, replaced, or for an intent no longer waiting is refused."""
    pending = open_challenge(stored, nonce)
    if stored.doc["status"] != REQUIRES_ACTION or pending is None:
        raise InvalidRequestError(
            "This authentication has already been completed or is no longer valid.",
            code=f"{stored.doc['object']}_unexpected_state",
        )
    del stored.private[PENDING]
    return pending


def drop_challenge(stored: Stored) -> dict[str, Any] | None:
    """Forget a pending challenge (the intent moved on without it); returns it if any."""
    pending: dict[str, Any] | None = stored.private.pop(PENDING, None)
    return pending
