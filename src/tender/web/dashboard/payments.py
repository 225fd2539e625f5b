"""Payments: the list (status filter, search in the API's query language, cursor pages),
one payment's page (charges, refunds, events, metadata, raw JSON) and its actions
(capture, cancel, refund, edit metadata), each action confirmed before it runs."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import orjson
from starlette.responses import Response

from tender.core import search
from tender.core.errors import InvalidRequestError, StripeError
from tender.core.metadata import UNSET
from tender.core.money import decimals
from tender.services import payment_intents, refunds
from tender.services.listing import list_page, search_page
from tender.store.base import ListQuery
from tender.web.dashboard.app import Visit, redirect

PAGE_SIZE = 25
STATUSES = (
    "requires_payment_method", "requires_confirmation", "requires_action", "processing",
    "requires_capture", "canceled", "succeeded",
)
CANCEL_REASONS = ("duplicate", "fraudulent", "requested_by_customer", "abandoned")
REFUND_REASONS = ("duplicate", "fraudulent", "requested_by_customer")
TIMELINE_SCAN = 2000  # events looked at, newest first, for one payment's timeline


async def list_payments(visit: Visit) -> Response:
    params = visit.request.query_params
    status = params.get("status", "")
    text = params.get("q", "").strip()
    error = None
    if status and status not in STATUSES:
        status = ""

    def page(tx: Any) -> dict[str, Any]:
        if status or text:
            parsed = search.parse_query(_search_text(status, text), search.PAYMENT_INTENT_FIELDS)
            data, next_page, total = search_page(tx, "payment_intent", parsed, PAGE_SIZE, params.get("page"))
            return {"data": data, "next": {"page": next_page} if next_page else None, "prev": None, "total": total}
        query = ListQuery(
            account=visit.ctx.account, type="payment_intent", limit=PAGE_SIZE,
            starting_after=params.get("starting_after"), ending_before=params.get("ending_before"),
        )
        data, has_more = list_page(tx, query)
        backwards = query.ending_before is not None
        paged = query.starting_after is not None or backwards
        more_after = has_more if not backwards else bool(data)
        more_before = (has_more if backwards else paged) and bool(data)
        return {
            "data": data,
            "next": {"starting_after": data[-1]["id"]} if data and more_after else None,
            "prev": {"ending_before": data[0]["id"]} if more_before else None,
            "total": None,
        }

    try:
        result = await visit.read(page)
    except StripeError as exc:
        error = exc.message
        result = {"data": [], "next": None, "prev": None, "total": None}
    customers = await visit.read(lambda tx: _customers(tx, result["data"]))
    filters = {"status": status, "q": text}
    return visit.render(
        "payments.html", payments=result["data"], next=_link(filters, result["next"]),
        prev=_link(filters, result["prev"]), total=result["total"], status=status, q=text,
        statuses=STATUSES, customers=customers, error=error,
    )


def _search_text(status: str, text: str) -> str:
    if not status:
        return text
    if not text:
        return f"status:'{status}'"
    if " or " in f" {text.lower()} ":
        raise InvalidRequestError("A status filter cannot be combined with an OR query; put the status in the query.")
    return f"status:'{status}' AND {text}"


def _link(filters: dict[str, str], cursor: dict[str, str] | None) -> str | None:
    from urllib.parse import urlencode

    if cursor is None:
        return None
    return "/dashboard/payments?" + urlencode({k: v for k, v in {**filters, **cursor}.items() if v})


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
    related = {intent["id"], *(c["id"] for c in charges), *(r["id"] for r in refund_list)}
    timeline: list[dict[str, Any]] = []
    cursor = None
    for _ in range(TIMELINE_SCAN // 100):
        events, more = tx.list_events(limit=100, starting_after=cursor, created={"gte": intent["created"]})
        timeline += [e for e in events if e["data"]["object"].get("id") in related]
        if not more or not events:
            break
        cursor = events[-1]["id"]
    timeline.reverse()  # oldest first
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
    current = await visit.read(lambda tx: tx.get("payment_intent", intent_id))
    if current is None:
        return visit.render("not_found.html", code=404, what=f"payment {intent_id}")
    wanted: dict[str, str] = {}
    for name, key in visit.form.items():
        if name.startswith("key_") and key.strip():
            value = visit.form.get("value_" + name[4:], "")
            if value:
                wanted[key.strip()] = value
    update: dict[str, Any] = {k: UNSET for k in current.doc["metadata"] if k not in wanted}
    update.update(wanted)
    try:
        await visit.write(lambda tx: payment_intents.update(tx, visit.ctx, intent_id, {"metadata": update}))
    except StripeError as exc:
        return await show_payment(visit, error=exc.message, status=400)
    return redirect(f"/dashboard/payments/{intent_id}?done=metadata")


ROUTES = [
    ("/dashboard/payments", list_payments, ["GET"]),
    ("/dashboard/payments/{intent}", show_payment, ["GET"]),
    ("/dashboard/payments/{intent}/metadata", edit_metadata, ["POST"]),
    ("/dashboard/payments/{intent}/{action}", act, ["POST"]),
]
