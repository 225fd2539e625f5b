"""PaymentIntent use cases, one function per API operation.

Each runs inside one unit of work: load under lock → ask core → call the processor →
persist → emit.  The lifecycle rules themselves live in `tender.core.payment_intents`.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from typing import Any

from tender.core import balance, clock, descriptors, ids, money
from tender.core import payment_intents as lifecycle
from tender.core.charges import new_charge
from tender.core.errors import CardError, InvalidRequestError
from tender.core.events import previous_attributes
from tender.core.metadata import UNSET, merge_metadata, or_none
from tender.core.payment_methods import ensure_usable
from tender.processor import wire
from tender.processor.base import (
    Approved,
    AuthenticationRequired,
    AuthorizationRequest,
    AuthorizationResult,
    Declined,
)
from tender.services import authentication, customers, payment_methods
from tender.services.context import Context, emit, emit_all, load
from tender.store.base import ChargeAttempt, Stored, Tx

# Create/update parameters copied onto the intent as they are (UNSET → null).
PLAIN_FIELDS = (
    "description",
    "receipt_email",
    "shipping",
    "statement_descriptor",
    "statement_descriptor_suffix",
    "setup_future_usage",
    "capture_method",
    "confirmation_method",
)


CONFIRM_ONLY = ("off_session", "error_on_requires_action", "return_url", "use_stripe_sdk")


def check_create(params: dict[str, Any]) -> None:
    """Refusals that depend on several parameters together; nothing is written yet."""
    params["currency"] = money.validate_currency(params["currency"])
    money.validate_amount(params["amount"], params["currency"])
    if not params.get("confirm"):
        for name in CONFIRM_ONLY:
            if name in params:
                raise InvalidRequestError(
                    f"You can only pass `{name}` when `confirm` is set to `true`.", param=name
                )
    if params.get("statement_descriptor"):
        raise InvalidRequestError(
            "The `statement_descriptor` parameter is not supported for the `card` payment "
            "method type. Please use `statement_descriptor_suffix` instead.",
            param="statement_descriptor",
        )
    _one_payment_method(params)
    if "payment_method_types" in params and "automatic_payment_methods" in params:
        raise InvalidRequestError(
            "You may only specify one of these parameters: automatic_payment_methods, "
            "payment_method_types.",
            code="parameters_exclusive",
            param="automatic_payment_methods",
        )


def create(tx: Tx, ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """T1–T3: a new intent; with `confirm=true` it is confirmed in the same request."""
    check_create(params)
    intent_id = ids.new_id("payment_intent")
    intent = lifecycle.new_payment_intent(
        intent_id=intent_id,
        client_secret=ids.new_client_secret(intent_id),
        created=clock.now(),
        amount=params["amount"],
        currency=params["currency"],
    )
    if ctx.api_version < "2024-04-10":
        intent["capture_method"] = "automatic"
    if "payment_method_types" in params:
        intent["payment_method_types"] = params["payment_method_types"]
    elif "automatic_payment_methods" in params or ctx.api_version >= "2023-08-16":
        apm = params.get("automatic_payment_methods") or {"enabled": True}
        intent["automatic_payment_methods"] = {
            "allow_redirects": apm.get("allow_redirects", "always"),
            "enabled": apm["enabled"],
        }
    for name in PLAIN_FIELDS:
        if name in params:
            intent[name] = or_none(params[name])
    if "metadata" in params:
        intent["metadata"] = merge_metadata({}, params["metadata"])
    if "payment_method_options" in params:
        intent["payment_method_options"] = _card_options({}, params["payment_method_options"])
    elif "card" in intent["payment_method_types"]:
        intent["payment_method_options"] = {"card": lifecycle.card_options()}
    if "customer" in params:
        intent["customer"] = _customer_id(tx, params["customer"])
    stored = Stored(intent, {})
    method = None
    if "payment_method" in params or "payment_method_data" in params:
        method = _payment_method_from(tx, ctx, params, intent)
        intent["payment_method"] = method.doc["id"]
        intent["status"] = lifecycle.REQUIRES_CONFIRMATION
    if not params.get("confirm"):
        tx.insert(stored)
        emit(tx, ctx, "payment_intent.created", intent)
        return intent
    # The event shows the intent as created, but its row is written once, in the state
    # the confirmation leaves it in (a confirmation that fails without keeping its
    # changes undoes the whole unit).  It confirms with the PaymentMethod resolved above:
    # resolving `payment_method` again would materialise a second one from a test id
    # such as `pm_card_visa`.
    emit(tx, ctx, "payment_intent.created", intent)
    return _confirm(tx, ctx, stored, params, tx.insert, method)


def retrieve(tx: Tx, ctx: Context, intent_id: str, client_secret: str | None = None) -> dict[str, Any]:
    stored = load(tx, "payment_intent", intent_id, "intent")
    if ctx.publishable:
        authentication.check_client_secret(stored.doc, client_secret)
    return stored.doc


def update(tx: Tx, ctx: Context, intent_id: str, params: dict[str, Any]) -> dict[str, Any]:
    """T18 and plain edits: payment fields only before an attempt is under way."""
    stored = load(tx, "payment_intent", intent_id, "intent")
    intent = stored.doc
    lifecycle.ensure_updatable(intent, list(params))
    if "currency" in params:
        params["currency"] = money.validate_currency(params["currency"])
    if "amount" in params or "currency" in params:
        money.validate_amount(
            params.get("amount", intent["amount"]), params.get("currency", intent["currency"])
        )
    before = copy.deepcopy(intent)
    for name in PLAIN_FIELDS:
        if name in params:
            intent[name] = or_none(params[name])
    for name in ("amount", "currency"):
        if name in params:
            intent[name] = params[name]
    if "payment_method_types" in params:
        intent["payment_method_types"] = params["payment_method_types"]
    if "metadata" in params:
        intent["metadata"] = merge_metadata(intent["metadata"], params["metadata"])
    if "payment_method_options" in params:
        intent["payment_method_options"] = _card_options(
            intent["payment_method_options"], params["payment_method_options"]
        )
    if "customer" in params:
        intent["customer"] = None if params["customer"] is UNSET else _customer_id(tx, params["customer"])
    if "payment_method" in params or "payment_method_data" in params:
        if params.get("payment_method") is UNSET:
            intent["payment_method"] = None
            intent["status"] = lifecycle.REQUIRES_PAYMENT_METHOD
        else:
            method = _payment_method_from(tx, ctx, params, intent)
            intent["payment_method"] = method.doc["id"]
            intent["status"] = lifecycle.REQUIRES_CONFIRMATION
        intent["next_action"] = None
        authentication.drop_challenge(stored)
    if intent != before:
        intent["last_payment_error"] = None
    tx.update(stored)
    return intent


def confirm(
    tx: Tx, ctx: Context, intent_id: str, params: dict[str, Any]
) -> dict[str, Any]:
    stored = load(tx, "payment_intent", intent_id, "intent")
    if ctx.publishable:
        authentication.check_client_secret(stored.doc, params.pop("client_secret", None))
        if stored.doc["confirmation_method"] == "manual":
            raise InvalidRequestError(
                "This PaymentIntent has `confirmation_method=manual`, so it can only be "
                "confirmed with your secret key, on your server.",
                code="payment_intent_invalid_parameter",
                extra={"payment_intent": stored.doc},
            )
    return _confirm(tx, ctx, stored, params, tx.update)


def _confirm(
    tx: Tx,
    ctx: Context,
    stored: Stored,
    params: dict[str, Any],
    save: Callable[[Stored], None],
    method: Stored | None = None,
) -> dict[str, Any]:
    """Confirm with `method` when the caller already resolved it, else with the one
    `params` names or the intent holds.  `save` writes the intent: `tx.update`, or
    `tx.insert` for an intent `create` has not written yet."""
    intent = stored.doc
    lifecycle.ensure_confirmable(intent)
    _one_payment_method(params)
    for name in ("receipt_email", "shipping", "setup_future_usage", "capture_method"):
        if name in params:
            intent[name] = or_none(params[name])
    if "payment_method_options" in params:
        intent["payment_method_options"] = _card_options(
            intent["payment_method_options"], params["payment_method_options"]
        )
    if method is None:
        method = _confirming_payment_method(tx, ctx, params, intent)
    off_session = bool(params.get("off_session"))
    return_url = params.get("return_url")
    if lifecycle.requires_return_url(intent, off_session) and not return_url:
        raise InvalidRequestError(
            lifecycle.RETURN_URL_REQUIRED_MESSAGE, extra={"payment_intent": intent}
        )
    if params.get("error_on_requires_action") and intent.get("automatic_payment_methods"):
        raise InvalidRequestError(
            "The parameter `error_on_requires_action` can only be used with "
            "`payment_method_types`; it cannot be used with `automatic_payment_methods`.",
            param="error_on_requires_action",
            extra={"payment_intent": intent},
        )
    if off_session and intent.get("setup_future_usage"):
        raise InvalidRequestError(
            "You cannot confirm with the `off_session` parameter when `setup_future_usage` is "
            "also set on the PaymentIntent because you cannot set up future usages when "
            "processing payments off-session.",
            param="off_session",
            extra={"payment_intent": intent},
        )
    attempt = {
        "off_session": off_session,
        "error_on_requires_action": bool(params.get("error_on_requires_action")),
        "return_url": return_url,
        "use_stripe_sdk": bool(params.get("use_stripe_sdk")) or (ctx.publishable and not return_url),
    }
    return _attempt(tx, ctx, stored, method, attempt, save)


def _confirming_payment_method(
    tx: Tx, ctx: Context, params: dict[str, Any], intent: dict[str, Any]
) -> Stored:
    """The PaymentMethod a confirmation uses: the one `params` names, else the intent's."""
    if "payment_method" in params or "payment_method_data" in params:
        method = _payment_method_from(tx, ctx, params, intent)
        intent["payment_method"] = method.doc["id"]
        return method
    if intent["payment_method"] is not None:
        return load(tx, "payment_method", intent["payment_method"], "payment_method")
    raise lifecycle.missing_payment_method(intent)


def _attempt(
    tx: Tx,
    ctx: Context,
    stored: Stored,
    method: Stored,
    attempt: dict[str, Any],
    save: Callable[[Stored], None],
) -> dict[str, Any]:
    """One authorisation attempt and everything it causes (T4–T12).  With a remote
    processor, only its first half: the attempt is recorded and the intent waits in
    `processing`; `services.charge_attempts` asks the processor once this unit has
    committed and applies the answer in a unit of its own."""
    request = _authorization_request(stored, method, attempt)
    stored.private.pop("authenticated_payment_method", None)
    authentication.drop_challenge(stored)
    if ctx.processor.remote:
        return _record_attempt(tx, ctx, stored, method, request, attempt, save)
    result = ctx.processor.authorize(request)
    return apply_authorization(tx, ctx, stored, method, attempt, result, save)


def _authorization_request(stored: Stored, method: Stored, attempt: dict[str, Any]) -> AuthorizationRequest:
    intent = stored.doc
    card_options = intent["payment_method_options"].get("card") or {}
    billing = method.doc["billing_details"]["address"]
    return AuthorizationRequest(
        token=method.private["token"],
        amount=intent["amount"],
        currency=intent["currency"],
        off_session=attempt["off_session"],
        set_up_for_off_session=bool(method.private.get("set_up")),
        request_three_d_secure=card_options.get("request_three_d_secure") or "automatic",
        authenticated=stored.private.get("authenticated_payment_method") == method.doc["id"],
        address_line1=billing.get("line1"),
        address_postal_code=billing.get("postal_code"),
    )


def _record_attempt(
    tx: Tx,
    ctx: Context,
    stored: Stored,
    method: Stored,
    request: AuthorizationRequest,
    attempt: dict[str, Any],
    save: Callable[[Stored], None],
) -> dict[str, Any]:
    """Money movement is recorded before it is attempted: the attempt row, and the
    intent in `processing` so that no other confirm, capture or cancel starts meanwhile."""
    intent = stored.doc
    recorded = ChargeAttempt(
        id=ids.new_id("charge_attempt"),
        account=ctx.account,
        payment_intent=intent["id"],
        request=wire.request_to_json(request),
        context={"payment_method": method.doc["id"], "flow": attempt, "request": ctx.snapshot()},
        created=time.time(),
    )
    tx.insert_charge_attempt(recorded)
    lifecycle.begin_processing(intent)
    save(stored)
    ctx.charge_attempt = recorded
    return intent


def apply_authorization(
    tx: Tx,
    ctx: Context,
    stored: Stored,
    method: Stored,
    attempt: dict[str, Any],
    result: AuthorizationResult,
    save: Callable[[Stored], None] | None = None,
) -> dict[str, Any]:
    """What the processor answered, applied: a challenge (T6), or a Charge that
    succeeded (T4/T5) or failed (T10–T12) and the intent's new status.  `save` writes
    the intent: `tx.update`, or `tx.insert` for one `create` has not written yet."""
    intent = stored.doc
    save = save or tx.update
    if isinstance(result, AuthenticationRequired):
        if attempt["error_on_requires_action"]:
            error = CardError(
                lifecycle.ERROR_ON_REQUIRES_ACTION_MESSAGE,
                code="authentication_required",
                decline_code="authentication_not_handled",
            )
            step = lifecycle.fail_attempt(intent, error, method.doc, None)
        else:
            step = lifecycle.require_action(intent, _next_action(ctx, stored, method, attempt))
        save(stored)
        emit_all(tx, ctx, step.events, {"payment_intent": intent})
        if step.error:
            raise step.error
        return intent

    charge = _record_charge(tx, ctx, intent, method, result)
    if isinstance(result, Approved):
        step = lifecycle.succeed_authorization(intent, charge)
        if intent.get("customer") and intent.get("setup_future_usage"):
            payment_methods.save_to_customer(tx, ctx, method, intent["customer"], set_up=True)
        if method.doc.get("customer") is None:
            # Used once without being saved to a customer: it may not be used again (§8.2).
            method.private["consumed"] = True
    else:
        error = CardError(result.message, code=result.code, decline_code=result.decline_code)
        step = lifecycle.fail_attempt(intent, error, method.doc, charge)
    tx.update(method)
    save(stored)
    emit_all(tx, ctx, step.events, {"payment_intent": intent, "charge": charge})
    if step.error:
        raise step.error
    return intent


def _record_charge(
    tx: Tx, ctx: Context, intent: dict[str, Any], method: Stored, result: Approved | Declined
) -> dict[str, Any]:
    now = clock.now()
    settings = tx.account_settings()
    options = intent["payment_method_options"].get("card") or {}
    charge = new_charge(
        charge_id=ids.new_id("charge"),
        created=now,
        intent=intent,
        payment_method=method.doc,
        result=result,
        statement_descriptor=descriptors.for_account(settings, intent.get("statement_descriptor_suffix")),
        capture_before=now + ctx.capture_window if intent["capture_method"] == "manual" else None,
        incremental_requested=options.get("request_incremental_authorization") == "if_available",
    )
    private: dict[str, Any] = {"released": 0}
    if isinstance(result, Approved):
        private["bypass_pending"] = result.bypass_pending
        if charge["captured"]:
            charge["balance_transaction"] = _balance_in(tx, charge, charge["amount"], result.bypass_pending)
    tx.insert(Stored(charge, private))
    return charge


def _balance_in(tx: Tx, charge: dict[str, Any], amount: int, bypass_pending: bool) -> str:
    txn = balance.new_balance_transaction(
        txn_id=ids.new_id("balance_transaction"),
        created=clock.now(),
        kind="charge",
        source=charge["id"],
        amount=amount,
        currency=charge["currency"],
        description=charge.get("description"),
        bypass_pending=bypass_pending,
    )
    tx.insert(Stored(txn, {}))
    return str(txn["id"])


def _next_action(ctx: Context, stored: Stored, method: Stored, attempt: dict[str, Any]) -> dict[str, Any]:
    """Where the customer authenticates: a challenge page tender itself serves (§1.6)."""
    return authentication.begin_challenge(
        ctx, stored, method.doc["id"], attempt["return_url"], attempt["use_stripe_sdk"],
        off_session=attempt["off_session"],
    )


def complete_authentication(
    tx: Tx, ctx: Context, intent_id: str, nonce: str, succeeded: bool
) -> tuple[dict[str, Any], str | None]:
    """The customer answered the challenge page: T7, T8 or T9.  Returns the intent and
    the merchant's return_url (if the flow was a redirect)."""
    stored = load(tx, "payment_intent", intent_id, "intent")
    intent = stored.doc
    pending = authentication.close_challenge(stored, nonce)
    method = load(tx, "payment_method", pending["payment_method"], "payment_method")
    return_url = pending.get("return_url")
    if not succeeded:
        step = lifecycle.authentication_failed(intent, method.doc)
        tx.update(stored)
        emit_all(tx, ctx, step.events, {"payment_intent": intent})
        return intent, return_url
    stored.private["authenticated_payment_method"] = method.doc["id"]
    if intent["confirmation_method"] == "manual":
        lifecycle.authentication_completed_manual(intent)
        tx.update(stored)
        return intent, return_url
    attempt = {
        "off_session": pending.get("off_session", False),
        "error_on_requires_action": False,
        "return_url": return_url,
        "use_stripe_sdk": False,
    }
    try:
        _attempt(tx, ctx, stored, method, attempt, tx.update)
    except CardError:
        pass  # a decline after authentication is recorded on the intent (§2.8)
    return intent, return_url


def capture(tx: Tx, ctx: Context, intent_id: str, params: dict[str, Any]) -> dict[str, Any]:
    """T14: capture all or part of the hold; the rest is released (§1.4, §1.7)."""
    stored = load(tx, "payment_intent", intent_id, "intent")
    intent = stored.doc
    lifecycle.ensure_capturable(intent)
    amount = params.get("amount_to_capture", intent["amount_capturable"])
    lifecycle.ensure_capture_amount(intent, amount)
    if "metadata" in params:
        intent["metadata"] = merge_metadata(intent["metadata"], params["metadata"])
    if "statement_descriptor_suffix" in params:
        intent["statement_descriptor_suffix"] = or_none(params["statement_descriptor_suffix"])
    charge_stored = load(tx, "charge", intent["latest_charge"], "charge")
    charge = charge_stored.doc
    charge_before = copy.deepcopy(charge)
    authorized = charge["amount"]
    charge["captured"] = True
    charge["amount_captured"] = amount
    released = authorized - amount
    if released:
        charge["amount_refunded"] = released
        charge_stored.private["released"] = released
    charge["balance_transaction"] = _balance_in(
        tx, charge, amount, bool(charge_stored.private.get("bypass_pending"))
    )
    if "statement_descriptor_suffix" in params:
        settings = tx.account_settings()
        charge["calculated_statement_descriptor"] = descriptors.for_account(
            settings, intent.get("statement_descriptor_suffix")
        )
    step = lifecycle.capture(intent, amount)
    tx.update(charge_stored)
    tx.update(stored)
    emit(tx, ctx, "charge.captured", charge, previous_attributes(charge_before, charge))
    emit(tx, ctx, "payment_intent.succeeded", intent)
    del step
    return intent


def cancel(tx: Tx, ctx: Context, intent_id: str, params: dict[str, Any]) -> dict[str, Any]:
    """T15: terminal; a held authorisation is released and shown as refunded."""
    stored = load(tx, "payment_intent", intent_id, "intent")
    intent = stored.doc
    lifecycle.ensure_cancelable(intent)
    held = intent["status"] == lifecycle.REQUIRES_CAPTURE
    step = lifecycle.cancel(intent, params.get("cancellation_reason"), clock.now())
    authentication.drop_challenge(stored)
    tx.update(stored)
    if held:
        charge_stored = load(tx, "charge", intent["latest_charge"], "charge")
        charge = charge_stored.doc
        before = copy.deepcopy(charge)
        charge["amount_refunded"] = charge["amount"]
        charge["refunded"] = True
        charge_stored.private["released"] = charge["amount"]
        tx.update(charge_stored)
        emit(tx, ctx, "charge.refunded", charge, previous_attributes(before, charge))
    emit_all(tx, ctx, step.events, {"payment_intent": intent})
    return intent


def increment_authorization(
    tx: Tx, ctx: Context, intent_id: str, params: dict[str, Any]
) -> dict[str, Any]:
    """§1.9: raise the held amount to a new total, at most 10 attempts."""
    stored = load(tx, "payment_intent", intent_id, "intent")
    intent = stored.doc
    charge_stored = (
        tx.get_for_update("charge", intent["latest_charge"]) if intent["latest_charge"] else None
    )
    charge = charge_stored.doc if charge_stored else None
    lifecycle.ensure_incrementable(intent, charge, params["amount"])
    assert charge_stored is not None and charge is not None
    attempts = int(stored.private.get("increments", 0))
    if attempts >= lifecycle.MAX_INCREMENTS:
        raise InvalidRequestError(
            "This PaymentIntent has reached the maximum number of incremental authorizations.",
            code="payment_intent_invalid_parameter",
            extra={"payment_intent": intent},
        )
    stored.private["increments"] = attempts + 1
    method = load(tx, "payment_method", charge["payment_method"], "payment_method")
    answer = ctx.processor.increment_authorization(method.private["token"], params["amount"])
    if not answer.approved:
        tx.update(stored)
        decline = answer.decline
        error = CardError(
            decline.message if decline else "Your card was declined.",
            code=decline.code if decline else "card_declined",
            decline_code=decline.decline_code if decline else "generic_decline",
            extra={"payment_intent": intent},
        )
        error.persist_changes = True  # the attempt counts
        raise error
    for name in ("description",):
        if name in params:
            intent[name] = or_none(params[name])
    if "metadata" in params:
        intent["metadata"] = merge_metadata(intent["metadata"], params["metadata"])
    step = lifecycle.increment(intent, params["amount"])
    before = copy.deepcopy(charge)
    charge["amount"] = params["amount"]
    charge["payment_method_details"]["card"]["amount_authorized"] = params["amount"]
    tx.update(charge_stored)
    tx.update(stored)
    emit(tx, ctx, "charge.updated", charge, previous_attributes(before, charge))
    emit_all(tx, ctx, step.events, {"payment_intent": intent})
    return intent


def expire_authorizations(tx: Tx, ctx: Context, now: int) -> list[str]:
    """T16: holds whose `capture_before` has passed are released; the intent is canceled
    with `cancellation_reason=automatic` (`charge.expired`, `payment_intent.canceled`)."""
    expired = []
    for intent_id in tx.holds_due(now):
        stored = load(tx, "payment_intent", intent_id)
        intent = stored.doc
        if intent["status"] != lifecycle.REQUIRES_CAPTURE:
            continue
        charge_stored = load(tx, "charge", intent["latest_charge"], "charge")
        charge = charge_stored.doc
        capture_before = charge["payment_method_details"]["card"].get("capture_before")
        if capture_before is None or capture_before > now:
            continue
        step = lifecycle.cancel(intent, "automatic", now)
        charge["amount_refunded"] = charge["amount"]
        charge["refunded"] = True
        charge_stored.private["released"] = charge["amount"]
        tx.update(charge_stored)
        tx.update(stored)
        emit(tx, ctx, "charge.expired", charge)
        emit_all(tx, ctx, step.events, {"payment_intent": intent})
        expired.append(intent["id"])
    return expired


# -- helpers ----------------------------------------------------------------------------


def _card_options(current: dict[str, Any], given: Any) -> dict[str, Any]:
    if given is UNSET:
        return {"card": lifecycle.card_options()}
    card = dict(current.get("card") or lifecycle.card_options())
    for key, value in (given.get("card") or {}).items():
        card[key] = or_none(value)
    result = dict(current)
    result["card"] = lifecycle.card_options(card)
    return result


def _one_payment_method(params: dict[str, Any]) -> None:
    if "payment_method" in params and "payment_method_data" in params:
        raise InvalidRequestError(
            "You may only specify one of these parameters: payment_method, payment_method_data.",
            code="parameters_exclusive",
            param="payment_method_data",
        )


def _customer_id(tx: Tx, customer: str) -> str:
    """A customer that exists and is not deleted."""
    return str(customers.load_existing(tx, customer, "customer").doc["id"])


def _payment_method_from(
    tx: Tx, ctx: Context, params: dict[str, Any], intent: dict[str, Any]
) -> Stored:
    """The PaymentMethod named by `payment_method` or built from `payment_method_data`."""
    if "payment_method_data" in params:
        data = params["payment_method_data"]
        return payment_methods.create_stored(tx, ctx, data, within="payment_method_data")
    method = payment_methods.resolve(tx, ctx, params["payment_method"])
    ensure_usable(method.private, method.doc, intent.get("customer"))
    if method.doc["type"] not in intent["payment_method_types"]:
        raise InvalidRequestError(
            f"The PaymentMethod provided ({method.doc['type']}) is not allowed for this "
            "PaymentIntent. Allowed types: "
            f"{', '.join(intent['payment_method_types'])}.",
            code="payment_intent_incompatible_payment_method",
            param="payment_method",
        )
    return method
