"""The metadata form of payment and customer pages: rows `key_N`/`value_N`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.responses import Response

from tender.core.errors import StripeError
from tender.core.metadata import UNSET
from tender.web.dashboard.app import Visit, redirect


def changes(form: dict[str, str], current: dict[str, str]) -> dict[str, Any]:
    """The `metadata` update the form asks for: an emptied value (or key) removes that
    key, as in the API."""
    wanted: dict[str, str] = {}
    for name, key in form.items():
        if name.startswith("key_") and key.strip():
            value = form.get("value_" + name[4:], "")
            if value:
                wanted[key.strip()] = value
    update: dict[str, Any] = {k: UNSET for k in current if k not in wanted}
    update.update(wanted)
    return update


async def edit(
    visit: Visit,
    kind: str,
    object_id: str,
    label: str,
    update: Callable[..., Any],
    show: Callable[..., Awaitable[Response]],
    page: str,
) -> Response:
    """Apply the posted form to the metadata of `object_id` through its service's
    `update`, then back to `page`; a refused update shows the page with the error."""
    current = await visit.read(lambda tx: tx.get(kind, object_id))
    if current is None:
        return visit.render("not_found.html", code=404, what=f"{label} {object_id}")
    wanted = changes(visit.form, current.doc.get("metadata") or {})
    try:
        await visit.write(lambda tx: update(tx, visit.ctx, object_id, {"metadata": wanted}))
    except StripeError as exc:
        return await show(visit, error=exc.message, status=400)
    return redirect(f"{page}?done=metadata")
