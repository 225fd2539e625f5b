"""Request logs: the API requests `tender.api.request_log` recorded, newest first —
method, path, status, request id, the key's kind and last four, time, duration."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.responses import Response

from tender.web.dashboard.app import Visit

PAGE_SIZE = 50
METHODS = ("GET", "POST", "DELETE")
STATUS_CLASSES = {"2": "2xx succeeded", "4": "4xx refused", "5": "5xx failed"}


def _cursor(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() else None


async def list_logs(visit: Visit) -> Response:
    query = visit.request.query_params
    method = query.get("method", "") if query.get("method", "") in METHODS else ""
    status = query.get("status", "") if query.get("status", "") in STATUS_CLASSES else ""
    request_id = query.get("request_id", "").strip()
    before, after = _cursor(query.get("before")), _cursor(query.get("after"))

    def read(tx: Any) -> tuple[list[dict[str, Any]], bool]:
        rows, more = tx.list_request_logs(
            limit=PAGE_SIZE, before=before, after=None if before is not None else after,
            method=method or None, status_class=int(status) if status else None,
            request_id=request_id or None,
        )
        return list(rows), more

    rows, more = await visit.read(read)
    filters = {k: v for k, v in {"method": method, "status": status, "request_id": request_id}.items() if v}
    backwards = after is not None and before is None
    paged = before is not None or backwards
    more_older = more if not backwards else bool(rows)
    more_newer = (more if backwards else paged) and bool(rows)
    return visit.render(
        "logs.html", rows=rows, method=method, status=status, request_id=request_id,
        methods=METHODS, status_classes=STATUS_CLASSES,
        next="/dashboard/logs?" + urlencode({**filters, "before": rows[-1]["id"]}) if rows and more_older else None,
        prev="/dashboard/logs?" + urlencode({**filters, "after": rows[0]["id"]}) if more_newer else None,
    )


ROUTES = [
    ("/dashboard/logs", list_logs, ["GET"]),
]
