"""Customer use cases, one function per API operation, and the view of the store that
customer lists and searches read.

The rules (fields, the deleted stub, what a customer's default card may be) live in
`tender.core.customers`; attaching cards goes through `services.payment_methods`.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Iterable, Iterator
from typing import Any, cast

from tender.core import clock, ids
from tender.core import customers as rules
from tender.core.errors import ResourceMissing
from tender.core.events import previous_attributes
from tender.core.metadata import UNSET
from tender.services import payment_methods
from tender.services.context import Context, emit, load
from tender.store.base import ListQuery, Stored, Tx

PAGE = 100


def create(tx: Tx, ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """POST /v1/customers; `payment_method` is attached to the new customer (and may be
    named as its default in the same request)."""
    customer_id = ids.new_id("customer")
    doc = rules.new_customer(customer_id=customer_id, created=clock.now())
    method: Stored | None = None
    if "payment_method" in params:
        method = payment_methods.resolve(tx, ctx, params["payment_method"])
        payment_methods.check_attachable(ctx, method, customer_id)
    default = _default_payment_method(params)
    if default is not None:
        if method is not None and default == params["payment_method"]:
            params = _with_default(params, method.doc["id"])
        else:
            _check_default(tx, customer_id, default)
    rules.apply_changes(doc, params)
    tx.insert(Stored(doc, {}))
    emit(tx, ctx, "customer.created", doc)
    if method is not None:
        payment_methods.save_to_customer(tx, ctx, method, customer_id, set_up=False)
        tx.update(method)
    return doc


def retrieve(tx: Tx, ctx: Context, customer_id: str) -> dict[str, Any]:
    """A deleted customer retrieves as its deleted stub (§8.3)."""
    return load(tx, "customer", customer_id, "id").doc


def update(tx: Tx, ctx: Context, customer_id: str, params: dict[str, Any]) -> dict[str, Any]:
    """Partial update; `customer.updated` carries the old values of what changed."""
    stored = load_existing(tx, customer_id, "id")
    doc = stored.doc
    default = _default_payment_method(params)
    if default is not None:
        _check_default(tx, customer_id, default)
    before = copy.deepcopy(doc)
    rules.apply_changes(doc, params)
    if doc != before:
        tx.update(stored)
        emit(tx, ctx, "customer.updated", doc, previous_attributes(before, doc))
    return doc


def delete(tx: Tx, ctx: Context, customer_id: str) -> dict[str, Any]:
    """DELETE /v1/customers/:id: the customer becomes its deleted stub for good, and the
    cards saved on it can never be used again (§8.3)."""
    stored = load_existing(tx, customer_id, "id")
    for method in _saved_payment_methods(tx, customer_id):
        method.doc["customer"] = None
        method.private["detached"] = True
        tx.update(method)
    emit(tx, ctx, "customer.deleted", stored.doc)
    stored.doc = rules.deleted_customer(customer_id)
    tx.update(stored)
    return stored.doc


def load_existing(tx: Tx, customer_id: str, param: str) -> Stored:
    """A customer that exists and is not deleted, or the 404 an unknown id gets."""
    stored = load(tx, "customer", customer_id, param)
    rules.ensure_exists(stored.doc, param)
    return stored


def payment_method(tx: Tx, ctx: Context, customer_id: str, method_id: str) -> dict[str, Any]:
    """GET /v1/customers/:id/payment_methods/:pm: only a card saved on this customer."""
    load_existing(tx, customer_id, "customer")
    method = load(tx, "payment_method", method_id, "payment_method")
    if method.doc.get("customer") != customer_id:
        raise ResourceMissing("PaymentMethod", method_id, "payment_method")
    return method.doc


# -- what lists and searches see -----------------------------------------------------------


def visible(tx: Tx, email: str | None = None) -> Tx:
    """`tx` as customer lists and searches read it: deleted customers are gone and, with
    `email`, so is every customer whose email is not exactly that (case-sensitive, as
    Stripe's list filter is).

    The store indexes neither the email nor deletion, so filtered list pages are filled
    by reading the newest-first index in batches until a page (plus one, for `has_more`)
    has matched; searches exclude deleted customers by `CUSTOMER_FIELDS.hidden`.  The shared list and search
    helpers then page and render as for any resource.
    """
    def keep(stored: Stored) -> bool:
        doc = stored.doc
        return not rules.is_deleted(doc) and (email is None or doc.get("email") == email)

    return cast(Tx, _FilteredCustomers(tx, keep))


class _FilteredCustomers:
    """Delegates to the real `Tx`, filtering what `list` and `scan` return for customers."""

    def __init__(self, tx: Tx, keep: Callable[[Stored], bool]) -> None:
        self._tx = tx
        self._keep = keep

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tx, name)

    def scan(self, type: str) -> Iterable[Stored]:
        rows = self._tx.scan(type)
        return (row for row in rows if self._keep(row)) if type == "customer" else rows

    def list(self, query: ListQuery) -> tuple[list[Stored], bool]:
        if query.type != "customer":
            return self._tx.list(query)
        backwards = query.ending_before is not None
        kept: list[Stored] = []
        batch = dataclasses.replace(query, limit=max(query.limit + 1, PAGE))
        while True:
            rows, more = self._tx.list(batch)
            # Walk away from the cursor: newest first forwards, oldest first backwards.
            walk = list(reversed(rows)) if backwards else rows
            kept.extend(row for row in walk if self._keep(row))
            if len(kept) > query.limit or not more or not walk:
                break
            edge = walk[-1].doc["id"]
            batch = dataclasses.replace(
                batch, **({"ending_before": edge} if backwards else {"starting_after": edge})
            )
        has_more = len(kept) > query.limit
        kept = kept[: query.limit]
        if backwards:
            kept.reverse()
        return kept, has_more


# -- helpers ----------------------------------------------------------------------------


def _default_payment_method(params: dict[str, Any]) -> str | None:
    value = (params.get("invoice_settings") or {}).get("default_payment_method")
    return None if value is None or value is UNSET else str(value)


def _with_default(params: dict[str, Any], method_id: str) -> dict[str, Any]:
    """`payment_method=pm_card_visa` materialises a new card: the default names that one."""
    settings = {**params["invoice_settings"], "default_payment_method": method_id}
    return {**params, "invoice_settings": settings}


def _check_default(tx: Tx, customer_id: str, method_id: str) -> None:
    method = load(tx, "payment_method", method_id, rules.DEFAULT_PAYMENT_METHOD)
    rules.ensure_default_payment_method(customer_id, method.doc, method.private)


def _saved_payment_methods(tx: Tx, customer_id: str) -> Iterator[Stored]:
    """Every card attached to the customer, a page at a time."""
    query = ListQuery(account=tx.account, type="payment_method", customer=customer_id, limit=PAGE)
    while True:
        rows, more = tx.list(query)
        yield from rows
        if not more or not rows:
            return
        query = dataclasses.replace(query, starting_after=rows[-1].doc["id"])
