"""Charge use cases: retrieve, update (description, metadata, receipt_email...)."""

from __future__ import annotations

import copy
from typing import Any

from tender.core.events import previous_attributes
from tender.core.metadata import merge_metadata, or_none
from tender.services.context import Context, emit, load
from tender.store.base import Tx

EDITABLE = ("description", "receipt_email", "shipping", "fraud_details")


def retrieve(tx: Tx, ctx: Context, charge_id: str) -> dict[str, Any]:
    return load(tx, "charge", charge_id, "charge").doc


def update(tx: Tx, ctx: Context, charge_id: str, params: dict[str, Any]) -> dict[str, Any]:
    stored = load(tx, "charge", charge_id, "charge")
    charge = stored.doc
    before = copy.deepcopy(charge)
    for name in EDITABLE:
        if name in params:
            charge[name] = or_none(params[name])
    if "metadata" in params:
        charge["metadata"] = merge_metadata(charge["metadata"], params["metadata"])
    tx.update(stored)
    changed = previous_attributes(before, charge)
    if changed:
        emit(tx, ctx, "charge.updated", charge, changed)
    return charge
