"""Unsetting and metadata merging (stripe-behaviour §4.1, §6.1)."""

from __future__ import annotations

from typing import Any

from tender.core.errors import InvalidRequestError

MAX_KEYS = 50


class _Unset:
    """A parameter sent as the empty string: the caller asked to clear the field."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


def merge_metadata(current: dict[str, str], update: Any) -> dict[str, str]:
    """`metadata=` clears all; `metadata[k]=` removes k; other keys merge in."""
    if update is UNSET:
        return {}
    merged = dict(current)
    for key, value in update.items():
        if value is UNSET:
            merged.pop(key, None)
        else:
            merged[key] = value
    if len(merged) > MAX_KEYS:
        raise InvalidRequestError(
            f"Invalid metadata: metadata cannot have more than {MAX_KEYS} keys", param="metadata"
        )
    return merged


def or_none(value: Any) -> Any:
    """An update value with UNSET mapped to null."""
    return None if value is UNSET else value
