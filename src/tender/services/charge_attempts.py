"""Charge attempts with a remote processor: money movement recorded before it is
attempted, the processor asked outside any transaction, the answer applied after, and
attempts a crash left unresolved settled by asking the processor by attempt id.

The in-process simulator never comes here: its `authorize` runs inside the unit of work
(`payment_intents._attempt`), so the attempt, its Charge and the intent commit together.
With a remote processor a confirmation takes two units of work and a call between them:

1. `payment_intents._record_attempt`: a `charge_attempts` row (pending) and the intent in
   `processing`, where a concurrent confirm, capture or cancel gets Stripe's state error;
2. `authorize(processor, attempt)`, the attempt id as the processor's idempotency key;
3. `resolve`: what the in-process path does after `authorize` (Charge, balance
   transaction, events, intent status), and the attempt marked resolved.

If tender dies between 1 and 3, `recover` (at start-up, and in the periodic sweep for
attempts older than `RECOVER_AFTER`) asks `lookup`: a recorded answer is applied as in 3;
"never seen" (after which the processor refuses that attempt id for good) fails the
attempt back to requires_payment_method: no money moved.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

from tender.core import payment_intents as lifecycle
from tender.core.errors import APIError, StripeError
from tender.processor import wire
from tender.processor.base import AttemptClosed, AuthorizationResult, Processor, ProcessorUnavailable
from tender.services import payment_intents
from tender.services.context import Context, emit_all, load
from tender.store.base import ChargeAttempt, Tx

log = logging.getLogger("tender.charge_attempts")
T = TypeVar("T")

# A call to the processor waits at most this long (the client's own timeouts are
# shorter); an attempt without an answer is left pending for recovery.
CALL_TIMEOUT = 30.0
# The sweep settles pending attempts older than this: by then the request that made them
# has stopped waiting for the processor.
RECOVER_AFTER = 2 * CALL_TIMEOUT
# Processor clients block; their calls run here, off the event loop.
_calls = ThreadPoolExecutor(max_workers=32, thread_name_prefix="tender-processor")

PROCESSOR_UNAVAILABLE_MESSAGE = (
    "The card processor did not answer in time. This payment attempt is recorded and "
    "tender will finish it on its own: retrieve the PaymentIntent for its outcome, or retry "
    "this request with the same Idempotency-Key."
)


async def authorize(processor: Processor, attempt: ChargeAttempt) -> AuthorizationResult | None:
    """The processor's answer for this attempt; None when it refuses the attempt id (a
    recovery found it unseen and failed it).  Raises ProcessorUnavailable."""
    request = wire.request_from_json(attempt.request)
    try:
        return await _off_loop(partial(processor.authorize, request, attempt.id))
    except AttemptClosed:
        return None


async def look_up(processor: Processor, attempt: ChargeAttempt) -> AuthorizationResult | None:
    """What the processor recorded for this attempt; None: it never saw it (and now never
    will).  Raises ProcessorUnavailable."""
    return await _off_loop(partial(processor.lookup, attempt.id))


def resolve(
    tx: Tx, ctx: Context, attempt: ChargeAttempt, result: AuthorizationResult | None
) -> dict[str, Any]:
    """Apply the processor's answer (None: it never saw the attempt) to the intent, once:
    an attempt settled already (by recovery, or by its own request) leaves the intent as
    it stands."""
    stored = load(tx, "payment_intent", attempt.payment_intent, "intent")  # the lock, first
    current = tx.get_charge_attempt(attempt.id)
    if current is None or current.status != "pending":
        return stored.doc
    method = load(tx, "payment_method", attempt.context["payment_method"], "payment_method")
    if result is None:
        tx.finish_charge_attempt(attempt.id, "failed", "not_seen")
        step = lifecycle.fail_unprocessed(stored.doc, method.doc)
        tx.update(stored)
        emit_all(tx, ctx, step.events, {"payment_intent": stored.doc})
        assert step.error is not None
        raise step.error
    tx.finish_charge_attempt(attempt.id, "resolved", wire.KINDS[type(result)])
    return payment_intents.apply_authorization(tx, ctx, stored, method, attempt.context["flow"], result)


async def settle(store: Any, ctx: Context, attempt: ChargeAttempt) -> dict[str, Any]:
    """Steps 2 and 3 for a caller with nothing else to record (the 3-D Secure page): the
    intent as the answer left it.  Raises APIError when the processor does not answer."""
    ctx.charge_attempt = None
    try:
        result = await authorize(ctx.processor, attempt)
    except ProcessorUnavailable as exc:
        log.warning("charge attempt %s left for recovery: %s", attempt.id, exc)
        raise APIError(PROCESSOR_UNAVAILABLE_MESSAGE) from exc

    def unit(tx: Tx) -> dict[str, Any]:
        return intent_after(tx, lambda: resolve(tx, ctx, attempt, result))

    answer: dict[str, Any] = await store.write(ctx.account, unit)
    return answer


def intent_after(tx: Tx, work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The intent `work` returns, or the one its error carries (a decline is recorded on
    the intent and committed with it)."""
    try:
        with tx.atomic():
            return work()
    except StripeError as exc:
        intent: dict[str, Any] | None = exc.extra.get("payment_intent")
        if intent is None or not exc.persist_changes:
            raise
        return intent


async def recover(
    store: Any,
    processor: Processor,
    created_before: float,
    unit_for: Callable[[ChargeAttempt, AuthorizationResult | None], Callable[[Tx], object]],
) -> list[str]:
    """Settle every attempt still pending that was made before `created_before`: the
    processor is asked by attempt id and `unit_for(attempt, answer)` (which calls
    `resolve`) is run.  Returns the intents settled; an attempt the processor cannot be
    asked about now stays pending for the next sweep."""
    settled = []
    pending: list[ChargeAttempt] = await asyncio.to_thread(store.pending_charge_attempts, created_before)
    for attempt in pending:
        try:
            result = await look_up(processor, attempt)
        except ProcessorUnavailable as exc:
            log.warning("charge attempt %s still pending: the processor cannot be asked (%s)", attempt.id, exc)
            continue
        try:
            await store.write(attempt.account, unit_for(attempt, result))
        except StripeError:
            pass  # the decline or failure is recorded on the intent
        except Exception:
            log.exception("charge attempt %s could not be settled; the next sweep retries", attempt.id)
            continue
        log.info("charge attempt %s of %s recovered: %s", attempt.id, attempt.payment_intent,
                 "never seen" if result is None else wire.KINDS[type(result)])
        settled.append(attempt.payment_intent)
    return settled


async def _off_loop(call: Callable[[], T]) -> T:
    loop = asyncio.get_running_loop()
    try:
        return await asyncio.wait_for(loop.run_in_executor(_calls, call), CALL_TIMEOUT)
    except TimeoutError as exc:
        raise ProcessorUnavailable(f"no answer within {CALL_TIMEOUT} s") from exc
