"""Payments: the list (status, date range, amount and search in the API's query
language, combined; keyset pages), one payment's page (charges, refunds, events,
metadata, raw JSON) and its actions (capture, cancel, refund, edit metadata), each
action confirmed before it runs."""

from __future__ import annotations

import dataclasses
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson
from starlette.responses import Response

from tender.core import search
from tender.core.errors import InvalidRequestError, StripeError
from tender.core.money import decimals
from tender.services import payment_intents, refunds
from tender.store.base import ListQuery
from tender.web.dashboard import filters, metadata, paging
from tender.web.dashboard.app import Visit, redirect

PAGE_SIZE = 25
STATUSES = (
    "requires_payment_method", "requires_confirmation", "requires_action", "processing",
    "requires_capture", "canceled", "succeeded",
)
CANCEL_REASONS = ("duplicate", "fraudulent", "requested_by_customer", "abandoned")
REFUND_REASONS = ("duplicate", "fraudulent", "requested_by_customer")
TIMELINE_LIMIT = 500  # events shown on one payment's page
FILTERS = ("status", "q", "from", "to", "amount_min", "amount_max")


async def list_payments(visit: Visit) -> Response:
    params = visit.request.query_params
    chosen = {name: params.get(name, "").strip() for name in FILTERS}
    if chosen["status"] not in STATUSES:
        chosen["status"] = ""
    error = None
    result = paging.Page([], None, None, 0, False)
    try:
        query, keep = payment_filter(visit.ctx.account, chosen)
        query = dataclasses.replace(
            query, limit=PAGE_SIZE, starting_after=params.get("starting_after") or None,
            ending_before=params.get("ending_before") or None,
        )
        result = await paging.page(visit.read, query, keep, PAGE_SIZE)
    except StripeError as exc:
        error = exc.message
    customers = await visit.read(lambda tx: _customers(tx, result.rows))
    newer, older = paging.links("/dashboard/payments", chosen, result)
    return visit.render(
        "payments.html", payments=result.rows, next=older, prev=newer, result=result,
        statuses=STATUSES, customers=customers, error=error, f=chosen,
    )


def payment_filter(account: str, chosen: dict[str, str]) -> tuple[ListQuery, paging.Keep | None]:
    """The list query (the date range is indexed) and the row test for the rest."""
    created = filters.created_range(chosen.get("from", ""), chosen.get("to", ""))
    low = filters.major_amount(chosen.get("amount_min", ""), "amount_min")
    high = filters.major_amount(chosen.get("amount_max", ""), "amount_max")
    text = chosen.get("q", "")
    parsed = search.parse_query(text, search.PAYMENT_INTENT_FIELDS) if text else None
    status = chosen.get("status") or None
    query = ListQuery(account=account, type="payment_intent", created=created)
    if parsed is None and status is None and low is None and high is None:
        return query, None

    def keep(doc: dict[str, Any]) -> bool:
        return (
            (status is None or doc["status"] == status)
            and (low is None and high is None or filters.in_amount_range(doc, low, high))
            and (parsed is None or search.matches(parsed, doc))
        )

    return query, keep


def _customers(tx: Any, intents: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    found = {}
    for intent in intents:
        customer = intent.get("customer")
        if customer and customer not in found:
            stored = tx.get("customer", customer)
            if stored is not None:
                found[customer] = stored.doc
    return found


def _details(tx: Any, intent_id: str) -> dict[str, Any] | None:
    stored = tx.get("payment_intent", intent_id)
    if stored is None:
        return None
    intent = stored.doc
    query = ListQuery(account=tx.account, type="charge", parent=intent["id"], limit=100)
    charges = [row.doc for row in tx.list(query)[0]]
    refund_list = []
    for charge in charges:
        rows, _ = tx.list(ListQuery(account=tx.account, type="refund", parent=charge["id"], limit=100))
        refund_list += [row.doc for row in rows]
    related = [intent["id"], *(c["id"] for c in charges), *(r["id"] for r in refund_list)]
    timeline = tx.events_about(related, TIMELINE_LIMIT)
    customer = tx.get("customer", intent["customer"]).doc if intent.get("customer") else None
    return {"intent": intent, "charges": charges, "refunds": refund_list, "events": timeline, "customer": customer}


async def show_payment(visit: Visit, error: str | None = None, status: int = 200) -> Response:
    intent_id = visit.request.path_params["intent"]
    details = await visit.read(lambda tx: _details(tx, intent_id))
    if details is None:
        return visit.render("not_found.html", code=404, what=f"payment {intent_id}")
    intent = details["intent"]
    refundable = sum(
        c["amount_captured"] - c["amount_refunded"] for c in details["charges"] if c["captured"] and c["status"] == "succeeded"
    )
    return visit.render(
        "payment.html", code=status, error=error, done=visit.request.query_params.get("done"),
        raw=orjson.dumps(intent, option=orjson.OPT_INDENT_2).decode(), refundable=refundable,
        cancel_reasons=CANCEL_REASONS, refund_reasons=REFUND_REASONS, **details,
    )


def _minor_units(text: str, currency: str) -> int | None:
    """A form's "12.34" in the currency's minor units; None when left empty."""
    text = text.strip().replace(",", "")
    if not text:
        return None
    try:
        value = Decimal(text) * 10 ** decimals(currency)
    except InvalidOperation:
        raise InvalidRequestError(f"{text!r} is not an amount.", param="amount") from None
    if value != value.to_integral_value() or value <= 0:
        raise InvalidRequestError(f"{text!r} is not a positive amount in {currency.upper()}.", param="amount")
    return int(value)


ACTIONS = {
    "capture": "Capture",
    "cancel": "Cancel",
    "refund": "Refund",
}


async def act(visit: Visit) -> Response:
    """POST without `confirmed`: the confirmation page; with it: run the service."""
    intent_id = visit.request.path_params["intent"]
    action = visit.request.path_params["action"]
    if action not in ACTIONS:
        return visit.render("not_found.html", code=404, what=f"action {action}")
    stored = await visit.read(lambda tx: tx.get("payment_intent", intent_id))
    if stored is None:
        return visit.render("not_found.html", code=404, what=f"payment {intent_id}")
    intent = stored.doc
    form = visit.form
    try:
        amount = _minor_units(form.get("amount", ""), intent["currency"])
        reason = form.get("reason") or None
        allowed = CANCEL_REASONS if action == "cancel" else REFUND_REASONS
        if reason is not None and reason not in allowed:
            raise InvalidRequestError(f"Unknown reason {reason!r}.", param="reason")
        if form.get("confirmed") != "yes":
            return visit.render(
                "confirm.html", intent=intent, action=action, label=ACTIONS[action], amount=amount,
                amount_text=form.get("amount", ""), reason=reason or "",
            )
        await visit.write(lambda tx: _run(tx, visit, action, intent_id, amount, reason))
    except StripeError as exc:
        visit.request.scope["path_params"] = {"intent": intent_id}
        return await show_payment(visit, error=exc.message, status=400)
    return redirect(f"/dashboard/payments/{intent_id}?done={action}")


def _run(tx: Any, visit: Visit, action: str, intent_id: str, amount: int | None, reason: str | None) -> Any:
    ctx = visit.ctx
    if action == "capture":
        return payment_intents.capture(tx, ctx, intent_id, {} if amount is None else {"amount_to_capture": amount})
    if action == "cancel":
        return payment_intents.cancel(tx, ctx, intent_id, {"cancellation_reason": reason} if reason else {})
    params: dict[str, Any] = {"payment_intent": intent_id}
    if amount is not None:
        params["amount"] = amount
    if reason:
        params["reason"] = reason
    return refunds.create(tx, ctx, params)


async def edit_metadata(visit: Visit) -> Response:
    """Rows `key_N`/`value_N`: an emptied value (or key) removes that key, as in the API."""
    intent_id = visit.request.path_params["intent"]
    return await metadata.edit(visit, "payment_intent", intent_id, "payment", payment_intents.update, show_payment,
                               f"/dashboard/payments/{intent_id}")

ROUTES = [
    ("/dashboard/payments", list_payments, ["GET"]),
    ("/dashboard/payments/{intent}", show_payment, ["GET"]),
    ("/dashboard/payments/{intent}/metadata", edit_metadata, ["POST"]),
    ("/dashboard/payments/{intent}/{action}", act, ["POST"]),
]
