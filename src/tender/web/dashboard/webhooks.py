"""Webhook endpoints: create (its signing secret shown once), enable, disable, delete;
each endpoint's delivery attempts and "resend" — all through the services the API uses,
with the API's own parameter checks."""

from __future__ import annotations

import re
from typing import Any

from starlette.responses import Response

from tender.api.params import parse_fields
from tender.api.routes.webhook_endpoints import CREATE
from tender.core.errors import StripeError
from tender.services import webhook_endpoints
from tender.store.base import ListQuery
from tender.web.dashboard.app import Visit, redirect

DONE = {
    "created": "Endpoint created.",
    "enabled": "Endpoint enabled.",
    "disabled": "Endpoint disabled: it receives nothing until enabled again.",
    "deleted": "Endpoint deleted.",
}


async def webhooks_page(visit: Visit, error: str | None = None, status: int = 200) -> Response:
    def endpoints(tx: Any) -> list[dict[str, Any]]:
        rows, _ = tx.list(ListQuery(account=visit.ctx.account, type="webhook_endpoint", limit=100))
        return [row.doc for row in rows]

    form = visit.form if error else {}
    return visit.render(
        "webhooks.html", code=status, endpoints=await visit.read(endpoints), error=error,
        done=DONE.get(visit.request.query_params.get("done", "")), form=form,
    )


def _create_params(form: dict[str, str]) -> dict[str, Any]:
    """The form as the API's create parameters: events separated by commas or spaces."""
    raw: dict[str, Any] = {
        "url": form.get("url", "").strip(),
        "enabled_events": [e for e in re.split(r"[\s,]+", form.get("enabled_events", "")) if e],
    }
    if form.get("description", "").strip():
        raw["description"] = form["description"].strip()
    return parse_fields(CREATE, raw, ("url", "enabled_events"))


async def create(visit: Visit) -> Response:
    try:
        params = _create_params(visit.form)
        created = await visit.write(lambda tx: webhook_endpoints.create(tx, visit.ctx, params))
    except StripeError as exc:
        return await webhooks_page(visit, exc.message, 400)
    # Rendered here, not redirected to: the secret is in this answer and nowhere else.
    return visit.render("webhook_created.html", endpoint=created, secret=created["secret"])


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
    done = visit.request.query_params.get("done")
    return visit.render(
        "webhook.html", code=status, endpoint=endpoint, attempts=attempts, error=error,
        done=DONE.get(done or "") or (f"{done} will be delivered again now." if done else None),
    )


async def resend(visit: Visit) -> Response:
    endpoint_id = visit.request.path_params["endpoint"]
    event_id = visit.form.get("event", "")
    try:
        await visit.write(lambda tx: webhook_endpoints.resend(tx, visit.ctx, endpoint_id, event_id))
    except StripeError as exc:
        return await webhook_page(visit, exc.message, 400)
    return redirect(f"/dashboard/webhooks/{endpoint_id}?done={event_id}")


def _switch(disabled: bool) -> Any:
    async def switch(visit: Visit) -> Response:
        endpoint_id = visit.request.path_params["endpoint"]
        change = {"disabled": disabled}
        try:
            await visit.write(lambda tx: webhook_endpoints.update(tx, visit.ctx, endpoint_id, change))
        except StripeError as exc:
            return await webhook_page(visit, exc.message, 400)
        return redirect(f"/dashboard/webhooks/{endpoint_id}?done={'disabled' if disabled else 'enabled'}")

    return switch


async def delete(visit: Visit) -> Response:
    """Without `confirmed`: the confirmation page; with it: the endpoint is gone."""
    endpoint_id = visit.request.path_params["endpoint"]
    try:
        endpoint = await visit.read(lambda tx: webhook_endpoints.retrieve(tx, visit.ctx, endpoint_id))
        if visit.form.get("confirmed") != "yes":
            return visit.render("webhook_delete.html", endpoint=endpoint)
        await visit.write(lambda tx: webhook_endpoints.delete(tx, visit.ctx, endpoint_id))
    except StripeError as exc:
        return visit.render("not_found.html", code=404, what=exc.message)
    return redirect("/dashboard/webhooks?done=deleted")


ROUTES = [
    ("/dashboard/webhooks", webhooks_page, ["GET"]),
    ("/dashboard/webhooks", create, ["POST"]),
    ("/dashboard/webhooks/{endpoint}", webhook_page, ["GET"]),
    ("/dashboard/webhooks/{endpoint}/resend", resend, ["POST"]),
    ("/dashboard/webhooks/{endpoint}/disable", _switch(True), ["POST"]),
    ("/dashboard/webhooks/{endpoint}/enable", _switch(False), ["POST"]),
    ("/dashboard/webhooks/{endpoint}/delete", delete, ["POST"]),
]
