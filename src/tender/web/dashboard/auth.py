"""Who may open the dashboard: a password (salted scrypt hash in the account's settings),
one-time login links (stored as hashes, single use, short-lived), signed session cookies
and the CSRF tokens bound to them.

The signing key is derived from the account's `fingerprint_key` and a session epoch that
`set_password` increments, so setting a password signs every existing session out.
The units of work (`set_password`, `issue_login_token`, `consume_login_token`) run
through the store like any service.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from typing import Any

import orjson

COOKIE = "tender_dashboard"
LOGIN_COOKIE = "tender_dashboard_login"  # the double-submit token of the sign-in form
SESSION_SECONDS = 12 * 3600
LOGIN_LINK_SECONDS = 15 * 60
MIN_PASSWORD = 8
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


# -- passwords --------------------------------------------------------------------------


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str | None) -> bool:
    if not stored:
        return False
    try:
        scheme, n, r, p, salt, expected = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    digest = hashlib.scrypt(
        password.encode(), salt=bytes.fromhex(salt), dklen=32, n=int(n), r=int(r), p=int(p)
    )
    return hmac.compare_digest(digest.hex(), expected)


def set_password(tx: Any, password: str) -> None:
    """Unit of work: store the hash and sign every current session out."""
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"The password must be at least {MIN_PASSWORD} characters long.")
    settings = tx.account_settings()
    settings["dashboard_password"] = hash_password(password)
    settings["dashboard_session_epoch"] = int(settings.get("dashboard_session_epoch", 0)) + 1
    tx.save_account_settings(settings)


# -- one-time login links ---------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_login_token(tx: Any, now: float | None = None) -> str:
    """Unit of work: a new single-use token, valid LOGIN_LINK_SECONDS; expired ones are dropped."""
    now = time.time() if now is None else now
    token = secrets.token_urlsafe(32)
    settings = tx.account_settings()
    tokens = {h: exp for h, exp in settings.get("dashboard_login_tokens", {}).items() if exp > now}
    tokens[_token_hash(token)] = now + LOGIN_LINK_SECONDS
    settings["dashboard_login_tokens"] = tokens
    tx.save_account_settings(settings)
    return token


def consume_login_token(tx: Any, token: str, now: float | None = None) -> bool:
    """Unit of work: True once for a valid token; it is removed whatever the answer."""
    now = time.time() if now is None else now
    settings = tx.account_settings()
    tokens = dict(settings.get("dashboard_login_tokens", {}))
    expires = tokens.pop(_token_hash(token), None)
    if expires is None:
        return False
    settings["dashboard_login_tokens"] = tokens
    tx.save_account_settings(settings)
    return bool(expires > now)


# -- sessions and CSRF ------------------------------------------------------------------


def session_key(settings: dict[str, Any]) -> bytes:
    """The cookie-signing key: derived from the account's secret and its session epoch."""
    epoch = int(settings.get("dashboard_session_epoch", 0))
    root = bytes.fromhex(settings["fingerprint_key"])
    return hmac.new(root, f"tender.dashboard.session.{epoch}".encode(), hashlib.sha256).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_session(key: bytes, now: float | None = None) -> str:
    now = time.time() if now is None else now
    payload = _b64(orjson.dumps({"sid": secrets.token_urlsafe(16), "exp": int(now + SESSION_SECONDS)}))
    return f"{payload}.{_b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())}"


def read_session(key: bytes, cookie: str | None, now: float | None = None) -> str | None:
    """The session id of a well-signed, unexpired cookie; None otherwise."""
    if not cookie or "." not in cookie:
        return None
    payload, signature = cookie.rsplit(".", 1)
    expected = _b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(signature, expected):
        return None
    try:
        data = orjson.loads(_unb64(payload))
    except (ValueError, orjson.JSONDecodeError):
        return None
    now = time.time() if now is None else now
    if not isinstance(data, dict) or not isinstance(data.get("exp"), int) or data["exp"] <= now:
        return None
    sid = data.get("sid")
    return sid if isinstance(sid, str) else None


def csrf_token(key: bytes, sid: str) -> str:
    """Bound to the session: a form rendered for one session is refused in another."""
    return hmac.new(key, f"csrf.{sid}".encode(), hashlib.sha256).hexdigest()


def tokens_match(given: str | None, expected: str | None) -> bool:
    return bool(given) and bool(expected) and hmac.compare_digest(str(given), str(expected))


def new_form_token() -> str:
    return secrets.token_urlsafe(24)
