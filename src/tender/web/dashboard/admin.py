"""Home (charts), settings (statement descriptor prefix) and webhooks (endpoints, their
delivery attempts, resend)."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.responses import Response

from tender.core.errors import StripeError
from tender.services import accounts, webhook_endpoints
from tender.store.base import ListQuery
from tender.web.dashboard import charts
from tender.web.dashboard.app import Visit, redirect

CHART_DAYS = 14


async def home(visit: Visit) -> Response:
    summary = await visit.read(lambda tx: charts.summarise(tx, CHART_DAYS))
    return visit.render("home.html", summary=summary, days=CHART_DAYS)


async def settings_page(visit: Visit, error: str | None = None, status: int = 200) -> Response:
    keys = visit.store.api_keys(visit.ctx.account)
    return visit.render(
        "settings.html", code=status, settings=await visit.dashboard.settings(), keys=keys, error=error,
        done=visit.request.query_params.get("done"),
    )


async def save_settings(visit: Visit) -> Response:
    prefix = visit.form.get("statement_descriptor_prefix", "").strip()
    try:
        # The same validation and unit of work as `tender account --statement-descriptor-prefix`.
        await asyncio.to_thread(accounts.update_descriptors, visit.store, prefix, None)
    except StripeError as exc:
        return await settings_page(visit, exc.message, 400)
    return redirect("/dashboard/settings?done=saved")


async def webhooks_page(visit: Visit) -> Response:
    def endpoints(tx: Any) -> list[dict[str, Any]]:
        rows, _ = tx.list(ListQuery(account=visit.ctx.account, type="webhook_endpoint", limit=100))
        return [row.doc for row in rows]

    return visit.render("webhooks.html", endpoints=await visit.read(endpoints))


async def webhook_page(visit: Visit, error: str | None = None, status: int = 200) -> Response:
    endpoint_id = visit.request.path_params["endpoint"]
    params: dict[str, Any] = {"limit": 50}
    if visit.request.query_params.get("starting_after"):
        params["starting_after"] = visit.request.query_params["starting_after"]

    def look(tx: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        endpoint = webhook_endpoints.retrieve(tx, visit.ctx, endpoint_id)
        return endpoint, webhook_endpoints.delivery_attempts(tx, visit.ctx, endpoint_id, params, "")

    try:
        endpoint, attempts = await visit.read(look)
    except StripeError as exc:
        return visit.render("not_found.html", code=404, what=exc.message)
    return visit.render(
        "webhook.html", code=status, endpoint=endpoint, attempts=attempts, error=error,
        done=visit.request.query_params.get("done"),
    )


async def resend(visit: Visit) -> Response:
    endpoint_id = visit.request.path_params["endpoint"]
    event_id = visit.form.get("event", "")
    try:
        await visit.write(lambda tx: webhook_endpoints.resend(tx, visit.ctx, endpoint_id, event_id))
    except StripeError as exc:
        return await webhook_page(visit, exc.message, 400)
    return redirect(f"/dashboard/webhooks/{endpoint_id}?done={event_id}")


ROUTES = [
    ("/dashboard", home, ["GET"]),
    ("/dashboard/settings", settings_page, ["GET"]),
    ("/dashboard/settings", save_settings, ["POST"]),
    ("/dashboard/webhooks", webhooks_page, ["GET"]),
    ("/dashboard/webhooks/{endpoint}", webhook_page, ["GET"]),
    ("/dashboard/webhooks/{endpoint}/resend", resend, ["POST"]),
]
