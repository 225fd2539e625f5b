"""Reports: payments and balance transactions of a date range as CSV.

The file is streamed: rows are read a batch at a time along the list index (newest
first, the API's order), each batch its own short read, and written out as they come,
so an export of millions of rows never holds more than one batch.  Amounts are in minor
units (as the API gives them) with a formatted column beside them; times are UTC ISO 8601.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import io
from collections.abc import AsyncIterator, Callable
from typing import Any

import orjson
from starlette.responses import Response, StreamingResponse

from tender.core.clock import now
from tender.core.errors import StripeError
from tender.core.money import format_amount
from tender.store.base import ListQuery
from tender.web.dashboard import filters, paging
from tender.web.dashboard.app import NO_STORE, Visit

BATCH = 1000
DEFAULT_DAYS = 30


def _text(value: Any) -> str:
    """Free text a spreadsheet must not run as a formula (=, +, -, @ first)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _money(amount: Any, currency: str) -> str:
    return "" if amount is None else format_amount(int(amount), currency)


def _payment(doc: dict[str, Any]) -> list[Any]:
    currency = doc["currency"]
    return [
        doc["id"], filters.iso_utc(doc["created"]), doc["amount"], _money(doc["amount"], currency),
        currency, doc["status"], doc.get("amount_received"), _money(doc.get("amount_received"), currency),
        doc.get("amount_capturable"), doc.get("capture_method"), doc.get("customer") or "",
        doc.get("payment_method") or "", doc.get("latest_charge") or "", _text(doc.get("description")),
        orjson.dumps(doc.get("metadata") or {}, option=orjson.OPT_SORT_KEYS).decode(),
    ]


def _balance_transaction(doc: dict[str, Any]) -> list[Any]:
    currency = doc["currency"]
    return [
        doc["id"], filters.iso_utc(doc["created"]), filters.iso_utc(doc.get("available_on")), doc["type"],
        doc.get("reporting_category") or "", doc.get("source") or "", doc["amount"], _money(doc["amount"], currency),
        doc.get("fee", 0), _money(doc.get("fee", 0), currency), doc.get("net"), _money(doc.get("net"), currency),
        currency, doc.get("status") or "", _text(doc.get("description")),
    ]


@dataclasses.dataclass(frozen=True)
class Report:
    type: str  # the stored object type
    name: str
    header: list[str]
    row: Callable[[dict[str, Any]], list[Any]]


REPORTS = {
    "payments": Report(
        "payment_intent", "payments",
        ["id", "created_utc", "amount", "amount_formatted", "currency", "status", "amount_received",
         "amount_received_formatted", "amount_capturable", "capture_method", "customer", "payment_method",
         "latest_charge", "description", "metadata"],
        _payment,
    ),
    "balance_transactions": Report(
        "balance_transaction", "balance transactions",
        ["id", "created_utc", "available_on_utc", "type", "reporting_category", "source", "amount",
         "amount_formatted", "fee", "fee_formatted", "net", "net_formatted", "currency", "status", "description"],
        _balance_transaction,
    ),
}


def _today() -> datetime.date:
    return datetime.datetime.fromtimestamp(now(), datetime.UTC).date()


async def export_page(visit: Visit, error: str | None = None, status: int = 200) -> Response:
    params = visit.request.query_params
    today = _today()
    return visit.render(
        "export.html", code=status, error=error, reports=REPORTS,
        start=params.get("from") or (today - datetime.timedelta(days=DEFAULT_DAYS - 1)).isoformat(),
        end=params.get("to") or today.isoformat(),
    )


async def download(visit: Visit) -> Response:
    report = REPORTS.get(visit.request.path_params["report"])
    if report is None:
        return visit.render("not_found.html", code=404, what="report")
    params = visit.request.query_params
    start, end = params.get("from", ""), params.get("to", "")
    try:
        created = filters.created_range(start, end)
    except StripeError as exc:
        return await export_page(visit, exc.message, 400)
    query = ListQuery(account=visit.ctx.account, type=report.type, limit=BATCH, created=created)
    span = "_".join(part for part in (start, end) if part) or "all"
    return StreamingResponse(
        _csv(visit, query, report),
        media_type="text/csv; charset=utf-8",
        headers={**NO_STORE, "content-disposition": f'attachment; filename="{report.type}s_{span}.csv"'},
    )


async def _csv(visit: Visit, query: ListQuery, report: Report) -> AsyncIterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(report.header)
    yield buffer.getvalue().encode()
    while True:
        rows, more = await visit.read(paging.lister(query))
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(report.row(row.doc) for row in rows)
        yield buffer.getvalue().encode()
        if not more or not rows:
            return
        query = dataclasses.replace(query, starting_after=rows[-1].doc["id"])


ROUTES = [
    ("/dashboard/reports", export_page, ["GET"]),
    ("/dashboard/reports/{report}.csv", download, ["GET"]),
]
