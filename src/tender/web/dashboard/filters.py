"""What the dashboard's filter forms mean: UTC day ranges and amounts in major units."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from tender.core.errors import InvalidRequestError
from tender.core.money import decimals

DAY = 86400


def day_start(text: str, param: str) -> int | None:
    """`2025-03-01` (an `<input type=date>`) as the epoch second its UTC day starts."""
    text = text.strip()
    if not text:
        return None
    try:
        day = datetime.date.fromisoformat(text)
    except ValueError:
        raise InvalidRequestError(f"{text!r} is not a date (YYYY-MM-DD).", param=param) from None
    return int(datetime.datetime.combine(day, datetime.time(), datetime.UTC).timestamp())


def created_range(start: str, end: str) -> dict[str, int] | None:
    """The `created` filter for the UTC days `start` to `end`, both included."""
    gte, until = day_start(start, "from"), day_start(end, "to")
    if gte is not None and until is not None and until < gte:
        raise InvalidRequestError("The end of the date range is before its start.", param="to")
    created = {}
    if gte is not None:
        created["gte"] = gte
    if until is not None:
        created["lt"] = until + DAY
    return created or None


def major_amount(text: str, param: str) -> Decimal | None:
    """"12.50" → Decimal("12.50"); empty → None."""
    text = text.strip().replace(",", "")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise InvalidRequestError(f"{text!r} is not an amount.", param=param) from None
    if not value.is_finite() or value < 0:
        raise InvalidRequestError(f"{text!r} is not an amount.", param=param)
    return value


def in_amount_range(doc: dict[str, Any], low: Decimal | None, high: Decimal | None) -> bool:
    """`doc["amount"]` (minor units of its currency) between `low` and `high` major units."""
    amount = Decimal(doc["amount"]).scaleb(-decimals(doc["currency"]))
    return (low is None or amount >= low) and (high is None or amount <= high)


def iso_utc(epoch: Any) -> str:
    """`2025-03-01T12:00:00Z`; empty for None."""
    if epoch is None:
        return ""
    return datetime.datetime.fromtimestamp(int(epoch), datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
