"""Customers: the list (search by email, keyset pages) and one customer's page (its
saved cards, its payments, its metadata, editable)."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response

from tender.core import customers as rules
from tender.core.errors import StripeError
from tender.services import customers
from tender.store.base import ListQuery
from tender.web.dashboard import metadata, paging
from tender.web.dashboard.app import Visit

PAGE_SIZE = 25
CARDS_SHOWN = 100
PAYMENTS_SHOWN = 25


async def list_customers(visit: Visit) -> Response:
    params = visit.request.query_params
    text = params.get("email", "").strip()
    needle = text.lower()

    def keep(doc: dict[str, Any]) -> bool:
        return not rules.is_deleted(doc) and needle in (doc.get("email") or "").lower()

    query = ListQuery(
        account=visit.ctx.account, type="customer", limit=PAGE_SIZE,
        starting_after=params.get("starting_after") or None, ending_before=params.get("ending_before") or None,
    )
    error = None
    result = paging.Page([], None, None, 0, False)
    try:
        result = await paging.page(visit.read, query, keep, PAGE_SIZE)
    except StripeError as exc:
        error = exc.message
    newer, older = paging.links("/dashboard/customers", {"email": text}, result)
    return visit.render(
        "customers.html", customers=result.rows, email=text, prev=newer, next=older, result=result, error=error,
    )


def _details(tx: Any, customer_id: str) -> dict[str, Any] | None:
    stored = tx.get("customer", customer_id)
    if stored is None:
        return None
    customer = stored.doc
    cards, more_cards = tx.list(
        ListQuery(account=tx.account, type="payment_method", customer=customer_id, limit=CARDS_SHOWN)
    )
    payments, more_payments = tx.list(
        ListQuery(account=tx.account, type="payment_intent", customer=customer_id, limit=PAYMENTS_SHOWN)
    )
    return {
        "customer": customer,
        "deleted": rules.is_deleted(customer),
        "cards": [row.doc for row in cards],
        "more_cards": more_cards,
        "payments": [row.doc for row in payments],
        "more_payments": more_payments,
        "default_card": ((customer.get("invoice_settings") or {}).get("default_payment_method")),
    }


async def show_customer(visit: Visit, error: str | None = None, status: int = 200) -> Response:
    customer_id = visit.request.path_params["customer"]
    details = await visit.read(lambda tx: _details(tx, customer_id))
    if details is None:
        return visit.render("not_found.html", code=404, what=f"customer {customer_id}")
    return visit.render(
        "customer.html", code=status, error=error, done=visit.request.query_params.get("done"),
        raw=orjson.dumps(details["customer"], option=orjson.OPT_INDENT_2).decode(), **details,
    )


async def edit_metadata(visit: Visit) -> Response:
    customer_id = visit.request.path_params["customer"]
    return await metadata.edit(visit, "customer", customer_id, "customer", customers.update, show_customer,
                               f"/dashboard/customers/{customer_id}")

ROUTES = [
    ("/dashboard/customers", list_customers, ["GET"]),
    ("/dashboard/customers/{customer}", show_customer, ["GET"]),
    ("/dashboard/customers/{customer}/metadata", edit_metadata, ["POST"]),
]

