"""One API request from bytes to bytes: decode, authenticate, validate, run, render.

Routes (`tender.api.routes.*`) only declare `Endpoint`s: the method and path, the
parameter spec, which service function to call, and what it returns.  This module is
the single place that applies the request conventions of stripe-behaviour §4–5 to
all of them.
"""

from __future__ import annotations

import datetime
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from tender.api import auth, expand, forms, idempotency, request_log
from tender.api.params import EXPAND, Spec, parse_fields
from tender.core import ids, setup_intents
from tender.core import payment_intents as lifecycle
from tender.core.errors import APIError, IdempotencyConflict, InvalidRequestError, StripeError
from tender.processor.base import AuthorizationResult, ProcessorUnavailable
from tender.services import charge_attempts
from tender.services.context import Context
from tender.store.base import ChargeAttempt, IdempotencyRecord, Tx

log = logging.getLogger("tender.api")

MAX_BODY = 1024 * 1024
KEY_CACHE_SECONDS = 5.0
DEFAULT_API_VERSION = "2026-10-28.endive"
FIRST_API_VERSION = datetime.date(2011, 1, 1)
VERSION_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$")


@dataclass
class Call:
    """What a handler receives: the path's ids and the validated parameters."""

    path: dict[str, str]
    params: dict[str, Any]
    expand: list[str] = field(default_factory=list)  # validated `expand[]` paths


Handler = Callable[[Tx, Context, Call], dict[str, Any]]
# What a unit of work answers: (status, body), or a charge attempt to finish first.
Answer = tuple[int, bytes] | ChargeAttempt


@dataclass
class Endpoint:
    method: str
    path: str  # `/v1/payment_intents/{intent}`
    handler: Handler
    returns: str  # object type rendered: payment_intent, charge, list, search_result, ...
    params: dict[str, Spec] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    # Callable with a publishable key; only these parameters are then accepted.
    publishable_params: frozenset[str] | None = None
    item_type: str | None = None  # for lists and searches: the type of `data` items
    pattern: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        self.pattern = re.compile(
            "^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.path) + "$"
        )

    @property
    def writes(self) -> bool:
        return self.method in ("POST", "DELETE")


class Response:
    __slots__ = ("status", "body", "headers")

    def __init__(self, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
        self.status = status
        self.body = body
        self.headers = headers


def dumps(obj: Any) -> bytes:
    return orjson.dumps(obj, option=orjson.OPT_INDENT_2)


def error_body(exc: StripeError, publishable: bool) -> dict[str, Any]:
    body = exc.body()
    if publishable:
        for kind, view in PUBLISHABLE_VIEWS.items():
            if isinstance(body.get(kind), dict):
                body[kind] = view(body[kind])
    return {"error": body}


# What a publishable key holding an intent's client secret sees of it (§1.13).
PUBLISHABLE_VIEWS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "payment_intent": lifecycle.publishable_view,
    "setup_intent": setup_intents.publishable_view,
}


def render_object(doc: dict[str, Any], ctx: Context, tx: Tx) -> dict[str, Any]:
    """Shape one stored document for this caller and API version."""
    if ctx.publishable and doc.get("object") == "setup_intent":
        return setup_intents.publishable_view(doc)
    if doc.get("object") == "payment_intent":
        if ctx.publishable:
            return lifecycle.publishable_view(doc)
        if ctx.api_version < "2022-11-15":
            from tender.store.base import ListQuery

            rows, has_more = tx.list(
                ListQuery(account=ctx.account, type="charge", parent=doc["id"], limit=100)
            )
            doc = dict(doc)
            doc["charges"] = {
                "object": "list",
                "data": [r.doc for r in rows],
                "has_more": has_more,
                "total_count": len(rows),
                "url": f"/v1/charges?payment_intent={doc['id']}",
            }
    return doc


class Api:
    """Everything a request needs: the store, the processor, in-flight idempotency keys."""

    def __init__(
        self, store: Any, processor: Any, capture_window: int = 7 * 86400, digest_key: bytes = b""
    ) -> None:
        self.store = store
        self.digest_key = digest_key
        self.processor = processor
        # Units are `contained` (store.write) when nothing in them reaches outside the
        # transaction.  With a remote processor a SetupIntent's verification calls it
        # inside the unit.
        self.contained = not getattr(processor, "remote", False)
        self.capture_window = capture_window
        self.in_flight = idempotency.InFlight()
        self._key_cache: dict[str, tuple[auth.Caller, float]] = {}
        self.request_log = request_log.RequestLog()

    async def authenticate(self, key: str | None) -> auth.Caller:
        if not key:
            raise auth.no_key()
        digest = ids.hash_api_key(key)
        now = time.monotonic()
        cached = self._key_cache.get(digest)
        if cached is not None and cached[1] > now:
            return cached[0]
        found = await self.store.find_api_key(digest)
        if found is None:
            self._key_cache.pop(digest, None)
            raise auth.invalid_key(key)
        caller = auth.Caller(account=found[0], publishable=found[1] == "publishable", last4=key[-4:])
        # A rolled or deleted key stops working within KEY_CACHE_SECONDS.
        self._key_cache[digest] = (caller, now + KEY_CACHE_SECONDS)
        return caller

    async def handle(
        self,
        endpoint: Endpoint,
        path_params: dict[str, str],
        method: str,
        headers: dict[bytes, bytes],
        query: bytes,
        body: bytes,
        base_url: str,
    ) -> Response:
        started = time.perf_counter()
        request_id = ids.new_id("request")
        idem_key = _header(headers, b"idempotency-key") or None  # an empty header is no key
        out_headers: list[tuple[bytes, bytes]] = [(b"request-id", request_id.encode())]
        version = DEFAULT_API_VERSION
        publishable = False
        caller: auth.Caller | None = None
        try:
            raw = self._decode(method, headers, query, body)
            key = auth.key_from_header(_header(headers, b"authorization"))
            raw_key = raw.pop("key", None)
            caller = await self.authenticate(key or (raw_key if isinstance(raw_key, str) else None))
            publishable = caller.publishable
            version = _api_version(_header(headers, b"stripe-version") or raw.pop("_stripe_version", None))
            out_headers.append((b"stripe-version", version.encode()))
            if publishable:
                _check_publishable(endpoint, raw)
            expand_paths = EXPAND.parse(raw.pop("expand"), "expand") if "expand" in raw else []
            expand.validate(expand_paths, endpoint.returns, endpoint.item_type)
            params = parse_fields(endpoint.params, raw, endpoint.required)
            ctx = Context(
                account=caller.account,
                processor=self.processor,
                request_id=request_id,
                idempotency_key=idem_key if method == "POST" else None,
                publishable=publishable,
                api_version=version,
                base_url=base_url,
                capture_window=self.capture_window,
                reply={"expand": expand_paths, "record": None},
            )
            call = Call(path_params, params, expand_paths)
            if method == "POST" and idem_key is not None:
                out_headers.append((b"idempotency-key", idem_key.encode()))
                idempotency.check_key(idem_key)
                digest = idempotency.params_hash(
                    [endpoint.path, path_params, raw, expand_paths], self.digest_key
                )
                status, payload, replayed_from = await self._idempotent(
                    endpoint, ctx, call, expand_paths, idem_key, method, raw_digest=digest
                )
                if replayed_from:
                    out_headers.append((b"idempotent-replayed", b"true"))
                    out_headers.append((b"original-request", replayed_from.encode()))
                else:
                    out_headers.append((b"original-request", request_id.encode()))
            else:
                unit = self._unit(endpoint, ctx, call)
                if endpoint.writes:
                    answer = await self.store.write(caller.account, unit, contained=self.contained)
                else:
                    answer = await self.store.read(caller.account, unit)
                status, payload = await self._answer(ctx, answer)
        except StripeError as exc:
            status, payload = exc.status, dumps(error_body(exc, publishable))
        except Exception:
            log.exception("request %s failed", request_id)
            failure = APIError("An unexpected error occurred; the request may not have completed.")
            status, payload = failure.status, dumps(error_body(failure, publishable))
        out_headers.append(
            (b"stripe-should-retry", b"true" if status in (409, 429) or status >= 500 else b"false")
        )
        self.request_log.record(method, endpoint.path, path_params, status, request_id, caller, started)
        return Response(status, payload, out_headers)

    def _decode(
        self, method: str, headers: dict[bytes, bytes], query: bytes, body: bytes
    ) -> dict[str, Any]:
        raw = forms.decode_query(query) if query else {}
        if method == "POST" and body:
            declared = _header(headers, b"content-type")
            if declared is None:
                raise InvalidRequestError(
                    "Invalid request: the request has a body but no Content-Type header; "
                    "send it as application/x-www-form-urlencoded."
                )
            if declared.split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
                raise InvalidRequestError(
                    f"Invalid request: unsupported Content-Type {declared}. "
                    "If error persists and you need assistance, please contact support@stripe.com."
                )
            raw.update(forms.decode_form(body))
        return raw

    def _unit(self, endpoint: Endpoint, ctx: Context, call: Call) -> Callable[[Tx], Answer]:
        return self._answering(ctx, lambda tx: endpoint.handler(tx, ctx, call))

    def _answering(self, ctx: Context, work: Callable[[Tx], dict[str, Any]]) -> Callable[[Tx], Answer]:
        """A unit of work that runs `work` and renders its result or error, as
        `ctx.reply` says (expansions, and the idempotency record to write with it).  When
        `work` left a charge attempt with a remote processor, the unit answers that
        attempt instead: the response waits for the processor (`_answer`)."""
        reply = ctx.reply or {}
        expand_paths: list[str] = reply.get("expand") or []
        record: list[str] | None = reply.get("record")

        def unit(tx: Tx) -> Answer:
            ctx.charge_attempt = None  # a rerun unit starts afresh
            try:
                with tx.atomic():
                    result = work(tx)
                if ctx.charge_attempt is not None:
                    if record is not None:  # answered once the processor has
                        self._save_answer(tx, ctx, record, idempotency.PENDING, b"")
                    return ctx.charge_attempt
                status, payload = 200, dumps(self._render(tx, ctx, result, expand_paths))
            except StripeError as exc:
                status, payload = exc.status, dumps(error_body(exc, ctx.publishable))
            if record is not None:
                self._save_answer(tx, ctx, record, status, payload)
            return status, payload

        return unit

    @staticmethod
    def _save_answer(tx: Tx, ctx: Context, record: list[str], status: int, payload: bytes) -> None:
        key, method, path, digest = record
        tx.save_idempotency(key, IdempotencyRecord(method, path, digest, status, payload, ctx.request_id or ""))

    async def _answer(self, ctx: Context, answer: Answer) -> tuple[int, bytes]:
        """A unit's response; for a charge attempt left with a remote processor, the call
        (outside any transaction) and the unit that applies its answer."""
        if not isinstance(answer, ChargeAttempt):
            return answer
        ctx.charge_attempt = None
        try:
            result = await charge_attempts.authorize(self.processor, answer)
        except ProcessorUnavailable as exc:
            # The attempt stays pending (and an Idempotency-Key claimed) for recovery.
            log.warning("charge attempt %s left for recovery: %s", answer.id, exc)
            raise APIError(charge_attempts.PROCESSOR_UNAVAILABLE_MESSAGE) from exc
        unit = self._resolving(ctx, answer, result)
        status, payload = await self.store.write(ctx.account, unit)
        return status, payload

    def _resolving(
        self, ctx: Context, attempt: ChargeAttempt, result: AuthorizationResult | None
    ) -> Callable[[Tx], tuple[int, bytes]]:
        answering = self._answering(ctx, lambda tx: charge_attempts.resolve(tx, ctx, attempt, result))

        def unit(tx: Tx) -> tuple[int, bytes]:
            answer = answering(tx)
            assert not isinstance(answer, ChargeAttempt)  # resolving starts no attempt
            return answer

        return unit

    async def recover_charge_attempts(self, created_before: float) -> list[str]:
        """Settle charge attempts left pending by a crash (or a processor that did not
        answer), recording the answer of the request that made each one."""

        def unit_for(attempt: ChargeAttempt, result: AuthorizationResult | None) -> Callable[[Tx], object]:
            ctx = Context.restore(attempt.context["request"], attempt.account, self.processor, self.capture_window)
            return self._resolving(ctx, attempt, result)

        return await charge_attempts.recover(self.store, self.processor, created_before, unit_for)

    def _render(
        self, tx: Tx, ctx: Context, result: dict[str, Any], expand_paths: list[str]
    ) -> dict[str, Any]:
        def render(doc: dict[str, Any]) -> dict[str, Any]:
            return render_object(doc, ctx, tx)

        if result.get("object") in ("list", "search_result"):
            result = dict(result)
            result["data"] = [render(d) for d in result["data"]]
            return expand.expand(tx, result, expand_paths, render)
        return expand.expand(tx, render(result), expand_paths, render)

    async def _idempotent(
        self,
        endpoint: Endpoint,
        ctx: Context,
        call: Call,
        expand_paths: list[str],
        key: str,
        method: str,
        raw_digest: str,
    ) -> tuple[int, bytes, str | None]:
        path_key = endpoint.path + "|" + str(sorted(call.path.items()))
        record = await self.store.get_idempotency(ctx.account, key)
        if record is not None and record.status == idempotency.PENDING:
            raise IdempotencyConflict()
        if record is not None:
            idempotency.check_replay(record, key, method, path_key, raw_digest)
            return record.status, record.body, record.request_id
        self.in_flight.claim(ctx.account, key)
        claimed = False
        try:
            # Another process may hold the key (a durable claim) or have finished it.
            claimed = await self.store.claim_idempotency(ctx.account, key)
            if not claimed:
                record = await self.store.get_idempotency(ctx.account, key)
                if record is None or record.status == idempotency.PENDING:
                    raise IdempotencyConflict()
                idempotency.check_replay(record, key, method, path_key, raw_digest)
                return record.status, record.body, record.request_id
            ctx.reply = {"expand": expand_paths, "record": [key, method, path_key, raw_digest]}
            answer = await self.store.write(ctx.account, self._unit(endpoint, ctx, call), contained=self.contained)
            claimed = False  # the unit replaced the claim with its record (or a charge attempt's)
            status, payload = await self._answer(ctx, answer)
            return status, payload, None
        finally:
            if claimed:
                await self.store.release_idempotency(ctx.account, key)
            self.in_flight.release(ctx.account, key)


def _header(headers: dict[bytes, bytes], name: bytes) -> str | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return value.decode("latin-1")
    except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes every byte
        return None


def _api_version(value: Any) -> str:
    if value is None:
        return DEFAULT_API_VERSION
    if not isinstance(value, str) or not VERSION_PATTERN.match(value):
        raise InvalidRequestError(f"Invalid Stripe API version: {value}")
    try:
        day = datetime.date.fromisoformat(value[:10])
    except ValueError:
        raise InvalidRequestError(f"Invalid Stripe API version: {value}") from None
    if day < FIRST_API_VERSION:
        raise InvalidRequestError(f"Invalid Stripe API version: {value}")
    return value


# What Stripe.js adds to browser requests for its own analytics; tender has no use for it.
TELEMETRY = frozenset(
    {"payment_user_agent", "time_on_page", "guid", "muid", "sid", "referrer",
     "client_attribution_metadata", "_stripe_account", "_stripe_version"}
)


def _check_publishable(endpoint: Endpoint, raw: dict[str, Any]) -> None:
    for container in (raw, raw.get("payment_method_data")):
        if isinstance(container, dict):
            for name in TELEMETRY & set(container):
                del container[name]
    allowed = endpoint.publishable_params
    if allowed is None:
        from tender.api.auth import secret_key_required

        raise secret_key_required()
    for name in raw:
        if name not in allowed and name != "expand":
            raise InvalidRequestError(
                f"This parameter cannot be used with a publishable key: {name}. Use your "
                "secret key on your server instead.",
                code="parameter_unknown",
                param=name,
            )


Route = tuple[Endpoint, dict[str, str]]
AsyncHandler = Callable[..., Awaitable[Response]]
