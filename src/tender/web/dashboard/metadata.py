"""The metadata form of payment and customer pages: rows `key_N`/`value_N`."""

from __future__ import annotations

from typing import Any

from tender.core.metadata import UNSET


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
