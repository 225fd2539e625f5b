"""Home (charts) and settings: the statement descriptor prefix and the API keys (listed
by kind and last four; the secret key rolled with the same service as `tender keys roll`,
the new key shown once, in the answer to the roll)."""

from __future__ import annotations

import asyncio

from starlette.responses import Response

from tender.core.errors import StripeError
from tender.services import accounts
from tender.web.dashboard import charts
from tender.web.dashboard.app import Visit, redirect

CHART_DAYS = 14
# How long the old secret key may keep working after a roll (seconds → how long that is).
OVERLAPS = {0: "", 3600: "1 hour", 86400: "24 hours", 3 * 86400: "3 days", 7 * 86400: "7 days"}


async def home(visit: Visit) -> Response:
    summary = await visit.read(lambda tx: charts.summarise(tx, CHART_DAYS))
    return visit.render("home.html", summary=summary, days=CHART_DAYS)


async def settings_page(visit: Visit, error: str | None = None, status: int = 200) -> Response:
    keys = visit.store.list_api_keys(visit.ctx.account)
    return visit.render(
        "settings.html", code=status, settings=await visit.dashboard.settings(), keys=keys, error=error,
        done=visit.request.query_params.get("done"), overlaps=OVERLAPS,
    )


async def save_settings(visit: Visit) -> Response:
    prefix = visit.form.get("statement_descriptor_prefix", "").strip()
    try:
        # The same validation and unit of work as `tender account --statement-descriptor-prefix`.
        await asyncio.to_thread(accounts.update_descriptors, visit.store, prefix, None)
    except StripeError as exc:
        return await settings_page(visit, exc.message, 400)
    return redirect("/dashboard/settings?done=saved")


async def roll_secret_key(visit: Visit) -> Response:
    """Without `confirmed`: the confirmation page; with it: a new secret key, shown in
    this answer only (tender keeps its hash, so it can never be shown again)."""
    text = visit.form.get("expire_old_in", "0")
    overlap = int(text) if text.isdigit() else -1
    if overlap not in OVERLAPS:
        return await settings_page(visit, "Choose when the old key stops working.", 400)
    if visit.form.get("confirmed") != "yes":
        return visit.render("keys_roll_confirm.html", overlap=overlap, duration=OVERLAPS[overlap])
    keys = await asyncio.to_thread(accounts.roll_keys, visit.store, ("secret",), overlap)
    return visit.render("keys_rolled.html", secret_key=keys.secret_key, overlap=overlap, duration=OVERLAPS[overlap])


ROUTES = [
    ("/dashboard", home, ["GET"]),
    ("/dashboard/settings", settings_page, ["GET"]),
    ("/dashboard/settings", save_settings, ["POST"]),
    ("/dashboard/settings/keys/roll", roll_secret_key, ["POST"]),
]
