"""Serves tender.js at `/js/v3` (where pages load Stripe.js from) and `/js/v3/tender.js`.

The file is read once; answers carry an ETag so browsers revalidate cheaply, and the
script may be loaded from any origin (a merchant's page is never on tender's origin).
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources

PATHS = frozenset({"/js/v3", "/js/v3/", "/js/v3/tender.js"})
Header = tuple[bytes, bytes]


@cache
def _script() -> tuple[bytes, bytes]:
    body = resources.files(__package__).joinpath("tender.js").read_bytes()
    return body, b'"' + hashlib.sha256(body).hexdigest()[:16].encode() + b'"'


def respond(path: str, method: str, if_none_match: bytes | None) -> tuple[int, bytes, list[Header]]:
    """(status, body, headers) for a request under `/js/`."""
    if path not in PATHS or method not in ("GET", "HEAD"):
        return 404, b"Not found", [(b"content-type", b"text/plain")]
    body, etag = _script()
    headers = [
        (b"content-type", b"text/javascript; charset=utf-8"),
        (b"cache-control", b"no-cache"),
        (b"etag", etag),
        (b"access-control-allow-origin", b"*"),
    ]
    if if_none_match == etag:
        return 304, b"", headers
    return 200, (b"" if method == "HEAD" else body), headers
