"""The test account and its API keys: created on first start, keys stored hashed."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from tender.core import descriptors, ids

DEFAULT_ACCOUNT = "acct_tender_test"


@dataclass
class Keys:
    account: str
    secret_key: str | None  # known only when created now or given by the caller
    publishable_key: str | None
    created: bool


def ensure_test_account(store: Any, secret_key: str | None, publishable_key: str | None) -> Keys:
    """Create the account on first start; register pinned keys; mint keys if none exist."""
    account = store.first_account() or DEFAULT_ACCOUNT
    created = store.ensure_account(
        account,
        {
            "statement_descriptor": descriptors.DEFAULT_DESCRIPTOR,
            "statement_descriptor_prefix": descriptors.DEFAULT_PREFIX,
            "fingerprint_key": secrets.token_hex(32),
        },
    )
    existing = {kind for kind, _ in store.api_keys(account)}
    if secret_key is None and "secret" not in existing:
        secret_key = ids.new_api_key("sk_test_")
    if publishable_key is None and "publishable" not in existing:
        publishable_key = ids.new_api_key("pk_test_")
    for key, kind in ((secret_key, "secret"), (publishable_key, "publishable")):
        if key is not None:
            store.add_api_key(account, ids.hash_api_key(key), kind, key[-4:])
    return Keys(account, secret_key, publishable_key, created)


def fingerprint_key(store: Any, account: str) -> bytes:
    settings = store.read_settings(account)
    return bytes.fromhex(settings["fingerprint_key"])


def update_descriptors(store: Any, prefix: str | None, full: str | None) -> dict[str, Any]:
    """Set the account's statement descriptor and its shortened prefix (validated as
    Stripe validates them); later charges use them."""
    account = store.first_account() or DEFAULT_ACCOUNT
    if prefix is not None:
        descriptors.validate_prefix(prefix)
    if full is not None:
        descriptors.validate_descriptor(full)

    def save(tx: Any) -> dict[str, Any]:
        settings: dict[str, Any] = tx.account_settings()
        if prefix is not None:
            settings["statement_descriptor_prefix"] = prefix
        if full is not None:
            settings["statement_descriptor"] = full
        tx.save_account_settings(settings)
        return settings

    result: dict[str, Any] = store.write_sync(account, save)
    return result
