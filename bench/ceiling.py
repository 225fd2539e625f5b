"""The ceiling: a bare ASGI endpoint on tender's server stack.

It answers every request with a fixed body — a real PaymentIntent as tender renders it,
captured at the start of the benchmark — and the same response headers tender sends.  No
parsing, no authentication, no database: the most any tender endpoint could do on this
machine with uvicorn + httptools + uvloop, access log off, in as many worker processes as
tender runs (`--workers`, default 1).

    python -m bench.ceiling --port 12112 --body pi.json [--workers 2]
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Awaitable, Callable
from typing import Any

# uvicorn starts several workers from an import string, each calling the factory in its own
# process: the body's path reaches them through the environment they inherit.
BODY_ENV = "BENCH_CEILING_BODY"

HEADERS_LIKE_TENDER = [
    (b"content-type", b"application/json"),
    (b"access-control-allow-origin", b"*"),
    (b"access-control-allow-credentials", b"true"),
    (b"access-control-allow-methods", b"GET, POST, HEAD, OPTIONS, DELETE"),
    (
        b"access-control-expose-headers",
        b"Request-Id, Stripe-Manage-Version, Stripe-Should-Retry, X-Stripe-External-Auth-Required, "
        b"X-Stripe-Privileged-Session-Required",
    ),
    (b"access-control-max-age", b"300"),
    (b"cache-control", b"no-cache, no-store"),
    (b"request-id", b"req_0000000000000000000000000"),
    (b"stripe-version", b"2026-10-28.endive"),
    (b"stripe-should-retry", b"false"),
]


def make_app(body: bytes) -> Any:
    start = {"type": "http.response.start", "status": 200, "headers": HEADERS_LIKE_TENDER}
    message = {"type": "http.response.body", "body": body}

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                event = await receive()
                await send({"type": event["type"] + ".complete"})
                if event["type"] == "lifespan.shutdown":
                    return
        if scope["type"] != "http":
            return
        # Drain the request body as any real endpoint must.
        more = True
        while more:
            more = (await receive()).get("more_body", False)
        await send(start)
        await send(message)

    return app


def app_from_env() -> Any:
    """The app of one worker (uvicorn's factory): the body named by BENCH_CEILING_BODY."""
    with open(os.environ[BODY_ENV], "rb") as f:
        return make_app(f.read())


def arguments() -> argparse.ArgumentParser:
    """The options every bare server takes (the ceiling's and the baselines')."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1, help="worker processes, as `tender serve --workers`")
    return parser


def serve(factory: str, args: argparse.Namespace) -> None:
    """Run `factory` (an import string) on the stack `tender serve` gets from
    uvicorn[standard]: uvloop + httptools, access log off; with 1 worker, one process, as
    tender's."""
    import uvicorn

    uvicorn.run(
        factory, factory=True, workers=args.workers, host=args.host, port=args.port,
        loop="uvloop", http="httptools", access_log=False, log_level="warning", lifespan="on",
    )


Answer = Callable[[str, str, bytes], Awaitable["bytes | None"]]


def baseline_app(answer: Answer, startup: Callable[[], Awaitable[None]] | None = None,
                 shutdown: Callable[[], Awaitable[None]] | None = None) -> Any:
    """A baseline's ASGI app: `answer(method, path, body)` gives the body of a
    `/v1/payment_intents…` request (None: not found, 404), sent with tender's headers;
    any other path gets `{}`.  `startup` and `shutdown` run at the lifespan's events."""
    ok = {"type": "http.response.start", "status": 200, "headers": HEADERS_LIKE_TENDER}
    not_found = {"type": "http.response.start", "status": 404, "headers": HEADERS_LIKE_TENDER}

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                event = await receive()
                if event["type"] == "lifespan.startup" and startup is not None:
                    await startup()
                elif event["type"] == "lifespan.shutdown" and shutdown is not None:
                    await shutdown()
                await send({"type": event["type"] + ".complete"})
                if event["type"] == "lifespan.shutdown":
                    return
        if scope["type"] != "http":
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        start, out = ok, b"{}"
        if scope["path"].startswith("/v1/payment_intents"):
            found = await answer(scope["method"], scope["path"], body)
            if found is None:
                start, out = not_found, b'{"error": {"type": "invalid_request_error"}}'
            else:
                out = found
        await send(start)
        await send({"type": "http.response.body", "body": out})

    return app


def main() -> None:
    parser = arguments()
    parser.add_argument("--body", required=True, help="file holding the JSON body to serve")
    args = parser.parse_args()
    os.environ[BODY_ENV] = args.body
    serve("bench.ceiling:app_from_env", args)


if __name__ == "__main__":
    main()
