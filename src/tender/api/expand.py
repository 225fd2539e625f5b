"""`expand[]`: replace ids with the objects they name, as their own retrieve renders them.

Dot paths recurse (`latest_charge.balance_transaction`), lists take a `data.` prefix,
at most four levels counting that prefix (stripe-behaviour §4.2).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from tender.core.errors import InvalidRequestError
from tender.store.base import ListQuery, Tx

MAX_DEPTH = 4

# object type → field → type of the object the id names ("*" = known by id prefix)
EXPANDABLE: dict[str, dict[str, str]] = {
    "payment_intent": {
        "customer": "customer",
        "payment_method": "payment_method",
        "latest_charge": "charge",
    },
    "charge": {
        "balance_transaction": "balance_transaction",
        "customer": "customer",
        "payment_intent": "payment_intent",
        "refunds": "refund_list",
    },
    "refund_list": {"data": "refund"},  # charge `refunds`: `refunds.data.balance_transaction`
    "refund": {
        "balance_transaction": "balance_transaction",
        "charge": "charge",
        "payment_intent": "payment_intent",
        "failure_balance_transaction": "balance_transaction",
    },
    "payment_method": {"customer": "customer"},
    "setup_intent": {
        "customer": "customer",
        "payment_method": "payment_method",
        "latest_attempt": "setup_attempt",
    },
    "setup_attempt": {
        "customer": "customer",
        "payment_method": "payment_method",
        "setup_intent": "setup_intent",
    },
    "balance_transaction": {"source": "*"},
}

PREFIX_TYPES = {"ch": "charge", "re": "refund", "pi": "payment_intent"}


def validate(paths: list[str], returns: str, item_type: str | None) -> None:
    """Refuse a path that cannot be expanded before anything runs (§4.2).

    A polymorphic field (`balance_transaction.source`) may name any of several types: a
    step after it must be expandable on at least one of them.
    """
    for path in paths:
        parts = path.split(".")
        # `data` counts as one of the four levels: on a list of charges,
        # `data.payment_intent.latest_charge.balance_transaction` is the deepest allowed.
        if len(parts) > MAX_DEPTH:
            raise InvalidRequestError(
                "You cannot expand more than 4 levels of a property.", param="expand"
            )
        kinds: set[str] = {returns}
        if returns in ("list", "search_result"):
            if returns == "search_result" and parts == ["total_count"]:
                continue
            if parts[0] != "data" or len(parts) == 1:
                hint = (
                    f" You may want to try expanding 'data.{path}' instead."
                    if parts[0] != "data" else ""
                )
                raise InvalidRequestError(
                    f"This property cannot be expanded ({parts[0]}).{hint}", param="expand"
                )
            parts, kinds = parts[1:], {str(item_type)}
        for part in parts:
            targets = {
                EXPANDABLE[kind][part]
                for kind in _concrete(kinds)
                if part in EXPANDABLE.get(kind, {})
            }
            if not targets:
                raise InvalidRequestError(
                    f"This property cannot be expanded ({part}).", param="expand"
                )
            kinds = targets


def _concrete(kinds: set[str]) -> set[str]:
    """`*` (known only from the id at render time) stands for every prefixed type."""
    return {k for k in kinds if k != "*"} | (set(PREFIX_TYPES.values()) if "*" in kinds else set())


def expand(
    tx: Tx, obj: dict[str, Any], paths: list[str], render: Callable[[dict[str, Any]], dict[str, Any]]
) -> dict[str, Any]:
    """A copy of `obj` with each path expanded; `render` shapes nested objects.

    A search result's `total_count` exists only when expanded (§4.4): it is dropped
    here unless `total_count` is among the paths.
    """
    if obj.get("object") == "search_result" and "total_count" in obj and "total_count" not in paths:
        obj = {k: v for k, v in obj.items() if k != "total_count"}
    if not paths:
        return obj
    result = copy.deepcopy(obj)
    for path in paths:
        _expand_path(tx, result, path.split("."), render, path)
    return result


def _expand_path(
    tx: Tx,
    obj: dict[str, Any],
    parts: list[str],
    render: Callable[[dict[str, Any]], dict[str, Any]],
    full: str,
) -> None:
    head, rest = parts[0], parts[1:]
    kind = obj.get("object")
    if kind in ("list", "search_result") and head == "data":
        for item in obj["data"]:
            if rest:
                _expand_path(tx, item, rest, render, full)
        return
    if kind == "search_result" and head == "total_count":
        return
    target = EXPANDABLE.get(str(kind), {}).get(head)
    if target is None:
        return  # only reachable below a polymorphic field; validate() checked the rest
    value = obj.get(head)
    if target == "refund_list":
        if not isinstance(value, dict):
            rows, has_more = tx.list(
                ListQuery(account=tx.account, type="refund", parent=obj["id"], limit=100)
            )
            value = {
                "object": "list",
                "data": [render(r.doc) for r in rows],
                "has_more": has_more,
                "total_count": len(rows),
                "url": f"/v1/charges/{obj['id']}/refunds",
            }
            obj[head] = value
    elif isinstance(value, str):
        kind_of = PREFIX_TYPES.get(value.split("_", 1)[0]) if target == "*" else target
        stored = tx.get(kind_of, value) if kind_of else None
        if stored is not None:
            value = render(stored.doc)
            obj[head] = value
    if rest and isinstance(value, dict):
        _expand_path(tx, value, rest, render, full)
