"""The test account and its API keys: created on first start, keys stored hashed."""

from __future__ import annotations

import secrets
import time
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


KEY_PREFIXES = {"secret": "sk_test_", "publishable": "pk_test_"}
MAX_KEY_OVERLAP = 7 * 86400  # how long a rolled key may keep working, as Stripe allows


def roll_keys(
    store: Any, kinds: tuple[str, ...] = ("secret", "publishable"), expire_old_in: int = 0
) -> Keys:
    """New keys of `kinds` for the test account, each shown only in this answer; the
    old ones stop working now or, with `expire_old_in` seconds (at most 7 days), then,
    so that deployed clients can be switched over first."""
    if not 0 <= expire_old_in <= MAX_KEY_OVERLAP:
        raise ValueError(f"Old keys can be kept for at most {MAX_KEY_OVERLAP // 86400} days.")
    account = store.first_account() or DEFAULT_ACCOUNT
    old_expires_at = int(time.time()) + expire_old_in if expire_old_in else None
    new: dict[str, str] = {}
    for kind in kinds:
        key = ids.new_api_key(KEY_PREFIXES[kind])
        store.roll_api_key(account, kind, ids.hash_api_key(key), key[-4:], old_expires_at)
        new[kind] = key
    return Keys(account, new.get("secret"), new.get("publishable"), False)


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
