"""Statement descriptors (stripe-behaviour §6.3)."""

from __future__ import annotations

import re

from tender.core.errors import InvalidRequestError

FORBIDDEN = set("<>\\'\"*")
MAX_LENGTH = 22
DEFAULT_PREFIX = "TENDER"


def _check_characters(value: str, param: str) -> None:
    bad = sorted(set(value) & FORBIDDEN)
    if bad or not value.isascii() or not all(c.isprintable() for c in value):
        raise InvalidRequestError(
            f"The statement descriptor contains invalid characters: {''.join(bad) or value!r}. "
            "It may not contain any of < > \\ ' \" * and must use Latin characters.",
            code="invalid_characters",
            param=param,
        )
    if not re.search(r"[A-Za-z]", value):
        raise InvalidRequestError(
            "The statement descriptor must contain at least one letter.",
            code="invalid_characters",
            param=param,
        )


def validate_suffix(value: str, param: str = "statement_descriptor_suffix") -> None:
    """A suffix: Latin characters, at least one letter, at most 22 characters."""
    _check_characters(value, param)
    if len(value) > MAX_LENGTH:
        raise InvalidRequestError(
            f"The statement descriptor suffix must be at most {MAX_LENGTH} characters.",
            param=param,
        )


def validate_descriptor(value: str, param: str = "statement_descriptor") -> None:
    """A full descriptor: 5–22 characters, Latin, at least one letter."""
    _check_characters(value, param)
    if not 5 <= len(value) <= MAX_LENGTH:
        raise InvalidRequestError(
            "The statement descriptor must be between 5 and 22 characters long.", param=param
        )


def validate_prefix(value: str, param: str = "statement_descriptor_prefix") -> None:
    """The account's shortened descriptor: 2–10 characters, same character rules."""
    _check_characters(value, param)
    if not 2 <= len(value) <= 10:
        raise InvalidRequestError(
            "The statement descriptor prefix must be between 2 and 10 characters long.",
            param=param,
        )


DEFAULT_DESCRIPTOR = "TENDER PAYMENTS"


def calculated(prefix: str, full: str, suffix: str | None) -> str:
    """What the card network receives: `PREFIX* SUFFIX` cut to 22 characters, or the
    account's full descriptor when the payment has no suffix."""
    if not suffix:
        return full.upper()[:MAX_LENGTH]
    return f"{prefix}* {suffix}".upper()[:MAX_LENGTH]


def for_account(settings: dict[str, str], suffix: str | None) -> str:
    """The calculated descriptor for a card payment of an account: its prefix (or, when
    none is set, its full descriptor cut to 10 characters) and the payment's suffix."""
    full = settings.get("statement_descriptor") or DEFAULT_DESCRIPTOR
    prefix = settings.get("statement_descriptor_prefix") or full[:10].strip()
    return calculated(prefix, full, suffix)
