"""SetupIntent use cases, one function per API operation (stripe-behaviour §8.1).

Each runs inside one unit of work: load under lock → ask core → call the processor →
persist → emit.  The lifecycle rules live in `tender.core.setup_intents`.  A setup is a
zero-amount authorisation: the processor decides whether 3-D Secure is needed and
whether the card verifies; success saves the card on the customer, set up for
off-session use.
"""

from __future__ import annotations

from typing import Any

from tender.core import clock, ids
from tender.core import setup_intents as lifecycle
from tender.core.errors import APIError, CardError, InvalidRequestError, ResourceMissing
from tender.core.metadata import merge_metadata, or_none
from tender.processor.base import AuthenticationRequired, AuthorizationRequest, Declined, ProcessorUnavailable
from tender.services import authentication, customers, payment_methods
from tender.services.context import Context, emit, emit_all, load
from tender.store.base import Stored, Tx

CONFIRM_ONLY = ("return_url", "use_stripe_sdk")


def check_create(params: dict[str, Any]) -> None:
    """Refusals that depend on several parameters together; nothing is written yet."""
    if not params.get("confirm"):
        for name in CONFIRM_ONLY:
            if name in params:
                raise InvalidRequestError(
                    f"You can only pass `{name}` when `confirm` is set to `true`.", param=name
                )
    _check_one_payment_method(params)
    if "payment_method_types" in params and "automatic_payment_methods" in params:
        raise InvalidRequestError(
            "You may only specify one of these parameters: automatic_payment_methods, "
            "payment_method_types.",
            code="parameters_exclusive",
            param="automatic_payment_methods",
        )


def create(tx: Tx, ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """A new SetupIntent; with `confirm=true` it is confirmed in the same request."""
    check_create(params)
    intent_id = ids.new_id("setup_intent")
    intent = lifecycle.new_setup_intent(
        intent_id=intent_id, client_secret=ids.new_client_secret(intent_id), created=clock.now()
    )
    if "payment_method_types" in params:
        intent["payment_method_types"] = params["payment_method_types"]
    elif "automatic_payment_methods" in params or ctx.api_version >= "2023-08-16":
        apm = params.get("automatic_payment_methods") or {"enabled": True}
        intent["automatic_payment_methods"] = {
            "allow_redirects": apm.get("allow_redirects", "always"),
            "enabled": apm["enabled"],
        }
    if "usage" in params:
        intent["usage"] = params["usage"]
    if "description" in params:
        intent["description"] = or_none(params["description"])
    if "metadata" in params:
        intent["metadata"] = merge_metadata({}, params["metadata"])
    intent["payment_method_options"] = _card_options({}, params.get("payment_method_options"))
    if "customer" in params:
        intent["customer"] = _customer_id(tx, params["customer"])
    stored = Stored(intent, {})
    if "payment_method" in params or "payment_method_data" in params:
        method = _payment_method_from(tx, ctx, params, intent)
        intent["payment_method"] = method.doc["id"]
        intent["status"] = lifecycle.REQUIRES_CONFIRMATION
    tx.insert(stored)
    emit(tx, ctx, "setup_intent.created", intent)
    if params.get("confirm"):
        return _confirm(tx, ctx, stored, params)
    return intent


def retrieve(tx: Tx, ctx: Context, intent_id: str, client_secret: str | None = None) -> dict[str, Any]:
    """With a publishable key only alongside the intent's client secret (§4.7)."""
    stored = load(tx, "setup_intent", intent_id, "intent")
    if ctx.publishable:
        authentication.check_client_secret(stored.doc, client_secret)
    return stored.doc


def update(tx: Tx, ctx: Context, intent_id: str, params: dict[str, Any]) -> dict[str, Any]:
    """What will be set up changes only before success; description and metadata always.
    A new payment method waits for confirmation and drops any pending challenge."""
    stored = load(tx, "setup_intent", intent_id, "intent")
    intent = stored.doc
    lifecycle.ensure_updatable(intent, list(params))
    _check_one_payment_method(params)
    if "description" in params:
        intent["description"] = or_none(params["description"])
    if "metadata" in params:
        intent["metadata"] = merge_metadata(intent["metadata"], params["metadata"])
    if "payment_method_types" in params:
        intent["payment_method_types"] = params["payment_method_types"]
    if "payment_method_options" in params:
        intent["payment_method_options"] = _card_options(
            intent["payment_method_options"], params["payment_method_options"]
        )
    if "customer" in params:
        intent["customer"] = _customer_id(tx, params["customer"])
        if intent["payment_method"] is not None and "payment_method" not in params:
            current = load(tx, "payment_method", intent["payment_method"], "payment_method")
            lifecycle.ensure_usable_for_setup(current.private, current.doc, intent["customer"])
    if "payment_method" in params or "payment_method_data" in params:
        method = _payment_method_from(tx, ctx, params, intent)
        intent["payment_method"] = method.doc["id"]
        intent["status"] = lifecycle.REQUIRES_CONFIRMATION
        intent["next_action"] = None
        _abandon_pending(tx, stored)
    tx.update(stored)
    return intent


def confirm(tx: Tx, ctx: Context, intent_id: str, params: dict[str, Any]) -> dict[str, Any]:
    """Secret key, or publishable key with the client secret (Stripe.js confirmCardSetup)."""
    stored = load(tx, "setup_intent", intent_id, "intent")
    if ctx.publishable:
        authentication.check_client_secret(stored.doc, params.pop("client_secret", None))
    _check_one_payment_method(params)
    return _confirm(tx, ctx, stored, params)


def _confirm(tx: Tx, ctx: Context, stored: Stored, params: dict[str, Any]) -> dict[str, Any]:
    intent = stored.doc
    lifecycle.ensure_confirmable(intent)
    if "payment_method_options" in params:
        intent["payment_method_options"] = _card_options(
            intent["payment_method_options"], params["payment_method_options"]
        )
    if "payment_method" in params or "payment_method_data" in params:
        method = _payment_method_from(tx, ctx, params, intent)
        intent["payment_method"] = method.doc["id"]
    elif intent["payment_method"] is not None:
        method = load(tx, "payment_method", intent["payment_method"], "payment_method")
        lifecycle.ensure_usable_for_setup(method.private, method.doc, intent["customer"])
    else:
        raise lifecycle.missing_payment_method(intent)
    return_url = params.get("return_url")
    if lifecycle.requires_return_url(intent) and not return_url:
        raise InvalidRequestError(lifecycle.RETURN_URL_REQUIRED_MESSAGE, extra={"setup_intent": intent})
    _abandon_pending(tx, stored)
    attempt_doc = lifecycle.new_setup_attempt(
        attempt_id=ids.new_id("setup_attempt"), created=clock.now(), intent=intent, payment_method=method.doc
    )
    attempt = Stored(attempt_doc, {})
    tx.insert(attempt)
    lifecycle.start_attempt(intent, attempt_doc)
    flow = {
        "return_url": return_url,
        "use_stripe_sdk": bool(params.get("use_stripe_sdk")) or (ctx.publishable and not return_url),
    }
    return _attempt(tx, ctx, stored, method, attempt, flow, authenticated=False)


def _attempt(
    tx: Tx,
    ctx: Context,
    stored: Stored,
    method: Stored,
    attempt: Stored,
    flow: dict[str, Any],
    authenticated: bool,
) -> dict[str, Any]:
    """Verify the card with a zero-amount authorisation and apply what it answered."""
    intent = stored.doc
    card_options = intent["payment_method_options"].get("card") or {}
    billing = method.doc["billing_details"]["address"]
    token = method.private["token"]
    request = AuthorizationRequest(
        token=token,
        amount=0,
        currency=lifecycle.VERIFICATION_CURRENCY,
        set_up_for_off_session=bool(method.private.get("set_up")),
        request_three_d_secure=card_options.get("request_three_d_secure") or "automatic",
        authenticated=authenticated,
        address_line1=billing.get("line1"),
        address_postal_code=billing.get("postal_code"),
    )
    # A zero-amount verification moves no money, so even a remote processor is asked
    # inside the unit.  The setup attempt's id makes a repeat harmless; the call after a
    # completed challenge is a new question, so it has an id of its own.
    attempt_id = attempt.doc["id"] + (":authenticated" if authenticated else "")
    try:
        result = ctx.processor.authorize(request, attempt_id)
    except ProcessorUnavailable as exc:
        raise APIError(
            "The card processor did not answer in time; the card was not set up. Retry the request."
        ) from exc
    if isinstance(result, AuthenticationRequired):
        next_action = authentication.begin_challenge(
            ctx, stored, method.doc["id"], flow["return_url"], flow["use_stripe_sdk"],
            setup_attempt=attempt.doc["id"],
        )
        step = lifecycle.require_action(intent, attempt.doc, next_action)
    elif isinstance(result, Declined) and ctx.processor.check_attachable(token) is not None:
        step = lifecycle.fail(intent, attempt.doc, result, method.doc)
    else:
        # A card that verifies may still decline charges later (…0341 chargeCustomerFail,
        # …3178 after authentication): the zero-amount check is what a setup needs.
        step = lifecycle.succeed(intent, attempt.doc, result)
    tx.update(attempt)
    tx.update(stored)
    emit_all(tx, ctx, step.events, {"setup_intent": intent})
    if intent["status"] == lifecycle.SUCCEEDED:
        _save(tx, ctx, intent, method)
    if step.error:
        raise step.error
    return intent


def _save(tx: Tx, ctx: Context, intent: dict[str, Any], method: Stored) -> None:
    """A set-up card no longer needs the customer for off-session payments (…3155); with
    a customer it is also saved to them (`payment_method.attached`)."""
    if intent["customer"] is not None:
        payment_methods.save_to_customer(tx, ctx, method, intent["customer"], set_up=True)
    else:
        method.private["set_up"] = True
    tx.update(method)


def complete_authentication(
    tx: Tx, ctx: Context, intent_id: str, nonce: str, succeeded: bool
) -> tuple[dict[str, Any], str | None]:
    """The customer answered the challenge page: success finishes the setup, failure
    returns the intent to requires_payment_method (§2.8).  Returns the intent and the
    merchant's return_url (if the flow was a redirect)."""
    stored = load(tx, "setup_intent", intent_id, "intent")
    intent = stored.doc
    pending = authentication.close_challenge(stored, nonce)
    method = load(tx, "payment_method", pending["payment_method"], "payment_method")
    attempt = load(tx, "setup_attempt", pending["setup_attempt"])
    return_url = pending.get("return_url")
    if not succeeded:
        step = lifecycle.authentication_failed(intent, attempt.doc, method.doc)
        tx.update(attempt)
        tx.update(stored)
        emit_all(tx, ctx, step.events, {"setup_intent": intent})
        return intent, return_url
    flow = {"return_url": return_url, "use_stripe_sdk": False}
    try:
        _attempt(tx, ctx, stored, method, attempt, flow, authenticated=True)
    except CardError:
        pass  # a decline after authentication is recorded on the intent
    return intent, return_url


def cancel(tx: Tx, ctx: Context, intent_id: str, params: dict[str, Any]) -> dict[str, Any]:
    """Terminal; allowed until the setup succeeded (§8.1)."""
    stored = load(tx, "setup_intent", intent_id, "intent")
    intent = stored.doc
    lifecycle.ensure_cancelable(intent)
    _abandon_pending(tx, stored)
    step = lifecycle.cancel(intent, params.get("cancellation_reason"))
    tx.update(stored)
    emit_all(tx, ctx, step.events, {"setup_intent": intent})
    return intent


def list_by_payment_method(tx: Tx, ctx: Context, params: dict[str, Any]) -> tuple[list[dict[str, Any]], bool]:
    """`GET /v1/setup_intents?payment_method=…`: newest first, cursor-paginated.  The
    store indexes customers, not payment methods, so this scans as search does."""
    cursors = {}
    for param in ("starting_after", "ending_before"):
        if param in params:
            cursor = tx.get("setup_intent", params[param])
            if cursor is None:
                raise ResourceMissing("setup_intent", params[param], param)
            cursors[param] = (cursor.doc["created"], cursor.doc["id"])
    created = params.get("created") or {}
    matches = [
        row.doc
        for row in tx.scan("setup_intent")
        if row.doc["payment_method"] == params["payment_method"]
        and params.get("customer", row.doc["customer"]) == row.doc["customer"]
        and _created_matches(row.doc["created"], created)
    ]
    limit = params.get("limit", 10)
    if "starting_after" in cursors:
        matches = [m for m in matches if (m["created"], m["id"]) < cursors["starting_after"]]
    elif "ending_before" in cursors:
        matches = [m for m in matches if (m["created"], m["id"]) > cursors["ending_before"]]
        return matches[-limit:], len(matches) > limit
    return matches[:limit], len(matches) > limit


# -- helpers ----------------------------------------------------------------------------


def _check_one_payment_method(params: dict[str, Any]) -> None:
    if "payment_method" in params and "payment_method_data" in params:
        raise InvalidRequestError(
            "You may only specify one of these parameters: payment_method, payment_method_data.",
            code="parameters_exclusive",
            param="payment_method_data",
        )


def _created_matches(created: int, bounds: dict[str, int]) -> bool:
    checks = {
        "eq": lambda bound: created == bound,
        "gt": lambda bound: created > bound,
        "gte": lambda bound: created >= bound,
        "lt": lambda bound: created < bound,
        "lte": lambda bound: created <= bound,
    }
    return all(checks[op](bound) for op, bound in bounds.items())


def _abandon_pending(tx: Tx, stored: Stored) -> None:
    """The challenge the customer never answered is dropped and its attempt abandoned."""
    pending = authentication.drop_challenge(stored)
    if pending is None:
        return
    attempt = tx.get_for_update("setup_attempt", pending["setup_attempt"])
    if attempt is not None:
        lifecycle.abandon_attempt(attempt.doc)
        tx.update(attempt)


def _card_options(current: dict[str, Any], given: Any) -> dict[str, Any]:
    """payment_method_options with card defaults; an empty value resets them."""
    card = dict(current.get("card") or lifecycle.card_options())
    if isinstance(given, dict):
        for key, value in (given.get("card") or {}).items():
            card[key] = or_none(value)
    elif given is not None:  # UNSET
        card = {}
    result = dict(current)
    result["card"] = lifecycle.card_options(card)
    return result


def _customer_id(tx: Tx, customer: str) -> str:
    customers.load_existing(tx, customer, "customer")
    return customer


def _payment_method_from(
    tx: Tx, ctx: Context, params: dict[str, Any], intent: dict[str, Any]
) -> Stored:
    """The PaymentMethod named by `payment_method` or built from `payment_method_data`."""
    if "payment_method_data" in params:
        data = params["payment_method_data"]
        return payment_methods.create_stored(tx, ctx, data, within="payment_method_data")
    method = payment_methods.resolve(tx, ctx, params["payment_method"])
    lifecycle.ensure_usable_for_setup(method.private, method.doc, intent["customer"])
    return method

