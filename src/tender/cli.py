"""`tender serve | keys | migrate | account | dispatcher | listen | trigger | events | webhooks`: the
front door."""

from __future__ import annotations

import logging
import os

import click
from rich.console import Console

from tender.config import Settings

console = Console(soft_wrap=True)  # keys and links must stay on one line to be copied


def _open(settings: Settings):  # type: ignore[no-untyped-def]
    from tender.core.errors import StripeError
    from tender.store import open_store

    try:
        return open_store(settings)
    except (StripeError, ValueError) as exc:
        raise click.ClickException(f"cannot open {_redacted(settings.db)}: {_fail(exc).message}") from exc


@click.group()
def main() -> None:
    """tender: a self-hosted, Stripe-compatible payments server."""


@main.command()
@click.option("--db", envvar="TENDER_DB", default="sqlite:///tender.db", show_default=True)
@click.option("--host", envvar="TENDER_HOST", default="127.0.0.1", show_default=True)
@click.option("--port", envvar="TENDER_PORT", default=12111, show_default=True, type=int)
@click.option("--secret-key", envvar="TENDER_SECRET_KEY", default=None, help="Pin the test secret key.")
@click.option("--publishable-key", envvar="TENDER_PUBLISHABLE_KEY", default=None, help="Pin the publishable key.")
@click.option(
    "--durability", envvar="TENDER_DURABILITY", type=click.Choice(["full", "normal"]), default="full",
    show_default=True, help="full: fsync every commit (survives power loss); normal: faster, may lose the last commits on power loss.",
)
@click.option(
    "--no-dispatcher", envvar="TENDER_NO_DISPATCHER", is_flag=True, default=False,
    help="Do not deliver webhooks from this process (run `tender dispatcher` instead).",
)
@click.option(
    "--workers", envvar="TENDER_WORKERS", default=1, show_default=True, type=click.IntRange(1),
    help="API processes. On SQLite they take turns at writing (one transaction at a time, "
    "many requests each) and read in parallel.",
)
@click.option(
    "--processor", envvar="TENDER_PROCESSOR", default="", metavar="URL",
    help="A remote processor (http://HOST:PORT, e.g. `python -m tender.processor.remote_sim`); "
    "by default the in-process card-network simulator.",
)
@click.option(
    "--rehearse", envvar="TENDER_REHEARSE", type=click.Choice(["contended", "always"]), default="contended",
    show_default=True, help="SQLite: run API writes ahead of the writer's turn while another process "
    "holds it (contended), or always (slower alone; for tests).",
)
def serve(
    db: str, host: str, port: int, secret_key: str | None, publishable_key: str | None, durability: str,
    no_dispatcher: bool, workers: int, processor: str, rehearse: str,
) -> None:
    """Run the API server (and, unless --no-dispatcher, the webhook dispatcher)."""
    import uvicorn

    from tender.app import create_app

    settings = Settings(db=db, host=host, port=port, secret_key=secret_key,
                        publishable_key=publishable_key, durability=durability,
                        dispatcher=not no_dispatcher, processor=processor, rehearse=rehearse)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per webhook POST otherwise
    if workers == 1:
        app = create_app(settings)
        store, keys = app.store, app.keys
    else:
        # Migrate and create the account once, here; each worker then builds its own
        # app from the environment (`tender.app:create_app`).
        store = _open(settings)
        from tender.services import accounts

        keys = accounts.ensure_test_account(store, secret_key, publishable_key)
    base = f"http://{host}:{port}"
    console.print(f"[bold]tender[/bold] listening on {base}  (database {_redacted(db)}, durability {durability}"
                  f"{f', {workers} workers' if workers > 1 else ''})")
    _print_keys(store, keys)
    console.print(f"  API base:         {base}   (stripe.api_base = \"{base}\")")
    console.print("  3-D Secure pages: served by this server under /3d_secure/")
    console.print(f"  Dashboard:        {_login_link(store, keys.account, base)}  (one-time sign-in link, 15 min)",
                  soft_wrap=True)
    console.print(f"  Webhooks:         {'not delivered here (--no-dispatcher)' if no_dispatcher else 'delivered by this process'}")
    console.print(f"  Processor:        {processor or 'the in-process card-network simulator'}")
    if workers == 1:
        uvicorn.run(app, host=host, port=port, access_log=False, log_level="warning", lifespan="on")
        return
    store.close()
    os.environ.update({
        "TENDER_DB": db, "TENDER_DURABILITY": durability,
        "TENDER_NO_DISPATCHER": "1" if no_dispatcher else "", "TENDER_PROCESSOR": processor,
        "TENDER_REHEARSE": rehearse,
        # Pinned keys were registered above; workers must not mint new ones.
        "TENDER_SECRET_KEY": secret_key or "", "TENDER_PUBLISHABLE_KEY": publishable_key or "",
    })
    uvicorn.run("tender.app:create_app", factory=True, workers=workers, host=host, port=port,
                access_log=False, log_level="warning", lifespan="on")


def _redacted(db: str) -> str:
    """The database URL without its password."""
    import re

    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", db)


def _print_keys(store, keys) -> None:  # type: ignore[no-untyped-def]
    if keys.secret_key:
        console.print(f"  Secret key:       {keys.secret_key}")
    else:
        last4 = dict(store.api_keys(keys.account)).get("secret", "????")
        console.print(
            f"  Secret key:       sk_test_…{last4} (stored hashed; shown only when created — "
            "run `tender keys roll` for a new one, or pin one with TENDER_SECRET_KEY)"
        )
    if keys.publishable_key:
        console.print(f"  Publishable key:  {keys.publishable_key}")
    else:
        last4 = dict(store.api_keys(keys.account)).get("publishable", "????")
        console.print(f"  Publishable key:  pk_test_…{last4} (pin one with TENDER_PUBLISHABLE_KEY)")


@main.command()
@click.option("--db", envvar="TENDER_DB", default="sqlite:///tender.db", show_default=True)
def migrate(db: str) -> None:
    """Apply pending schema migrations."""
    store = _open(Settings(db=db))
    store.close()
    console.print(f"migrations applied to {_redacted(db)}")


@main.group()
def keys() -> None:
    """Show or roll the test account's API keys."""


@keys.command("show")
@click.option("--db", envvar="TENDER_DB", default="sqlite:///tender.db", show_default=True)
def keys_show(db: str) -> None:
    """Print the keys (secret keys only by their last four characters)."""
    from tender.services import accounts

    store = _open(Settings(db=db))
    _print_keys(store, accounts.ensure_test_account(store, None, None))
    store.close()


@keys.command("roll")
@click.option("--db", envvar="TENDER_DB", default="sqlite:///tender.db", show_default=True)
@click.option("--expire-old-in", type=click.IntRange(0, 7 * 86400), default=0, show_default=True,
              help="Seconds the old keys keep working (at most 7 days); 0: they stop now.")
def keys_roll(db: str, expire_old_in: int) -> None:
    """Replace the secret and publishable keys; the old ones stop working."""
    from tender.services import accounts

    store = _open(Settings(db=db))
    accounts.ensure_test_account(store, None, None)
    _print_keys(store, accounts.roll_keys(store, expire_old_in=expire_old_in))
    store.close()


@main.command()
@click.option("--db", envvar="TENDER_DB", default="sqlite:///tender.db", show_default=True)
@click.option("--statement-descriptor-prefix", default=None, help="2–10 characters; cards show PREFIX* SUFFIX.")
@click.option("--statement-descriptor", default=None, help="5–22 characters; used when a payment has no suffix.")
def account(db: str, statement_descriptor_prefix: str | None, statement_descriptor: str | None) -> None:
    """Show or change the test account's settings."""
    from tender.core.errors import StripeError
    from tender.services import accounts

    store = _open(Settings(db=db))
    accounts.ensure_test_account(store, None, None)
    try:
        settings = accounts.update_descriptors(store, statement_descriptor_prefix, statement_descriptor)
    except StripeError as exc:
        raise click.ClickException(exc.message) from exc
    finally:
        store.close()
    console.print(f"statement descriptor:        {settings['statement_descriptor']}")
    console.print(f"statement descriptor prefix: {settings['statement_descriptor_prefix']}")


# -- webhooks (issue 4) ---------------------------------------------------------------------
#
# `listen`, `events` and `webhooks` work on the database directly (like `keys`), so they
# need the server's --db / TENDER_DB and no API key.  `trigger` goes through the API of
# the running server, as a client would.

DB_OPTION = click.option("--db", envvar="TENDER_DB", default="sqlite:///tender.db", show_default=True)


def _cli_context(store):  # type: ignore[no-untyped-def]
    from tender.processor.simulator import Simulator
    from tender.services import accounts
    from tender.services.context import Context

    account = accounts.ensure_test_account(store, None, None).account
    return Context(account=account, processor=Simulator(accounts.fingerprint_key(store, account)))


def _run_until_signalled(main_coro, on_stop) -> None:  # type: ignore[no-untyped-def]
    """Run `main_coro` until it ends or SIGINT/SIGTERM arrives; then await `on_stop()`."""
    import asyncio
    import signal

    async def runner() -> None:
        loop = asyncio.get_running_loop()
        task = asyncio.ensure_future(main_coro)
        stopping = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stopping.set)
        waiter = asyncio.ensure_future(stopping.wait())
        await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
        await on_stop()
        await asyncio.wait({task}, timeout=5)
        waiter.cancel()

    asyncio.run(runner())


def _fail(exc: Exception) -> click.ClickException:
    from tender.core.errors import StripeError

    return click.ClickException(exc.message if isinstance(exc, StripeError) else str(exc))


@main.command()
@DB_OPTION
@click.option("--durability", envvar="TENDER_DURABILITY", type=click.Choice(["full", "normal"]), default="full")
def dispatcher(db: str, durability: str) -> None:
    """Deliver webhooks from the database's outbox, without serving the API."""
    from tender.webhooks.dispatcher import Dispatcher, DispatcherConfig

    store = _open(Settings(db=db, durability=durability))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per webhook POST otherwise
    worker = Dispatcher(store, DispatcherConfig.from_env())
    console.print(f"[bold]tender dispatcher[/bold] delivering webhooks from {_redacted(db)}")
    try:
        _run_until_signalled(worker.run(), worker.stop)
    finally:
        store.close()


@main.command()
@click.option("--forward-to", required=True, help="URL that receives the events, e.g. http://localhost:4242/webhook")
@click.option("--events", "event_types", default="*", show_default=True, help="Comma-separated event types.")
@DB_OPTION
def listen(forward_to: str, event_types: str, db: str) -> None:
    """Forward events to a local URL, signed, and print one line per delivery.

    Registers (or re-enables) a webhook endpoint for the URL in the server's database,
    prints its signing secret — the same for the same URL every time — and delivers to
    it from this process until interrupted; the endpoint is then disabled.
    """
    import asyncio
    import datetime

    from tender.services import webhook_endpoints
    from tender.webhooks.dispatcher import Dispatcher, DispatcherConfig

    store = _open(Settings(db=db))
    ctx = _cli_context(store)
    wanted = [name.strip() for name in event_types.split(",") if name.strip()]
    try:
        endpoint, secret = store.write_sync(
            ctx.account, lambda tx: webhook_endpoints.listen_endpoint(tx, ctx, forward_to, wanted)
        )
    except Exception as exc:
        store.close()
        raise _fail(exc) from exc
    console.print(f"Ready! Your webhook signing secret is [bold]{secret}[/bold] (^C to quit)")
    console.print(f"  forwarding {', '.join(endpoint['enabled_events'])} to {forward_to} ({endpoint['id']})")
    worker = Dispatcher(store, DispatcherConfig.from_env(), endpoint_ids=[endpoint["id"]])
    seen = store.last_attempt_id()

    async def forward() -> None:
        nonlocal seen
        delivering = asyncio.ensure_future(worker.run())
        try:
            while not delivering.done():
                for attempt in store.attempts_after(seen, [endpoint["id"]]):
                    seen = attempt["id"]
                    when = datetime.datetime.fromtimestamp(attempt["attempted_at"]).strftime("%Y-%m-%d %H:%M:%S")
                    answer = f"[{attempt['status_code']}]" if attempt["status_code"] else f"[{attempt['error']}]"
                    console.print(
                        f"{when}  --> {attempt['event_type']} [{attempt['event_id']}]  <-- {answer}",
                        markup=False, highlight=False,
                    )
                await asyncio.sleep(0.1)
        finally:
            await worker.stop()
            await asyncio.wait({delivering}, timeout=5)

    def disable(tx):  # type: ignore[no-untyped-def]
        return webhook_endpoints.update(tx, ctx, endpoint["id"], {"disabled": True})

    try:
        _run_until_signalled(forward(), worker.stop)
    finally:
        store.write_sync(ctx.account, disable)
        store.close()


@main.command()
@click.argument("event")
@click.option("--api-base", envvar="TENDER_API_BASE", default=None, help="Default: http://TENDER_HOST:TENDER_PORT")
@click.option("--api-key", envvar="TENDER_SECRET_KEY", default=None,
              help="Secret key; without one, a key valid for this command only is added to --db.")
@DB_OPTION
def trigger(event: str, api_base: str | None, api_key: str | None, db: str) -> None:
    """Cause EVENT by creating the objects that emit it, through the API."""
    import time

    import httpx

    from tender.core import ids
    from tender.webhooks import triggers

    steps = triggers.FIXTURES.get(event)
    if steps is None:
        raise click.ClickException(
            f"tender cannot trigger {event!r}. Supported events:\n  " + "\n  ".join(sorted(triggers.FIXTURES))
        )
    base = api_base or f"http://{os.environ.get('TENDER_HOST', '127.0.0.1')}:{os.environ.get('TENDER_PORT', '12111')}"
    temporary = None
    store = None
    if api_key is None:
        store = _open(Settings(db=db))
        account = _cli_context(store).account
        api_key = ids.new_api_key("sk_test_")
        temporary = ids.hash_api_key(api_key)
        store.add_expiring_api_key(account, temporary, "secret", api_key[-4:], int(time.time()) + 300)
    saved: dict[str, dict[str, object]] = {}
    try:
        with httpx.Client(base_url=base, auth=(api_key, ""), timeout=30) as client:
            console.print(f"Running fixture for: {event}")
            for step in steps:
                path = triggers.resolve(step.path, saved)
                params = {k: triggers.resolve(v, saved) for k, v in step.params.items()}
                try:
                    response = client.request(step.method, path, data=params)
                except httpx.HTTPError as exc:
                    raise click.ClickException(f"cannot reach tender at {base}: {exc}") from exc
                body = response.json()
                if response.status_code >= 400 and not (step.expect_error and response.status_code == 402):
                    raise click.ClickException(
                        f"{step.method} {path} answered {response.status_code}: {body.get('error', {}).get('message')}"
                    )
                if response.status_code == 402:
                    body = body["error"].get("payment_intent") or body["error"]
                saved[step.name] = body
                console.print(f"  {step.method} {path} [{response.status_code}] {body.get('id', '')}", highlight=False)
        console.print("Trigger succeeded! Check `tender events tail` or your listener for the events.")
    finally:
        if store is not None:
            if temporary is not None:
                store.delete_api_key(temporary)
            store.close()


@main.group()
def events() -> None:
    """Watch and resend events."""


@events.command("tail")
@click.option("--type", "type_pattern", default=None, help="Only these types; `*` wildcards, e.g. payment_intent.*")
@DB_OPTION
def events_tail(type_pattern: str | None, db: str) -> None:
    """Print events as they are recorded (time, type, id, object, request)."""
    import asyncio
    import datetime
    import fnmatch
    import time

    store = _open(Settings(db=db))
    account = _cli_context(store).account
    newest, _ = asyncio.run(store.read(account, lambda tx: tx.list_events(limit=1)))
    cursor = (newest[0]["created"], newest[0]["id"]) if newest else None
    console.print(f"Tailing events of {account} (^C to quit)")
    try:
        while True:
            for event in store.events_after(account, cursor):
                cursor = (event["created"], event["id"])
                if type_pattern and not fnmatch.fnmatchcase(event["type"], type_pattern):
                    continue
                when = datetime.datetime.fromtimestamp(event["created"]).strftime("%Y-%m-%d %H:%M:%S")
                console.print(
                    f"{when}  {event['type']:<42} {event['id']}  {event['data']['object'].get('id')}"
                    f"  request={event['request']['id']}",
                    markup=False, highlight=False,
                )
            time.sleep(0.25)
    except KeyboardInterrupt:
        pass
    finally:
        store.close()


@events.command("resend")
@click.argument("event_id")
@click.option("--webhook-endpoint", "endpoint_id", required=True, help="we_… to deliver it to")
@DB_OPTION
def events_resend(event_id: str, endpoint_id: str, db: str) -> None:
    """Deliver EVENT_ID to a webhook endpoint again (the dispatcher sends it)."""
    from tender.services import webhook_endpoints

    store = _open(Settings(db=db))
    ctx = _cli_context(store)
    try:
        delivery = store.write_sync(
            ctx.account, lambda tx: webhook_endpoints.resend(tx, ctx, endpoint_id, event_id)
        )
    except Exception as exc:
        raise _fail(exc) from exc
    finally:
        store.close()
    console.print(f"{event_id} queued for {endpoint_id} (attempts so far: {delivery['attempts']})")


@main.group()
def webhooks() -> None:
    """Inspect webhook endpoints and their deliveries."""


@webhooks.command("attempts")
@click.argument("endpoint_id")
@click.option("--event", "event_id", default=None, help="Only attempts to deliver this event.")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 100))
@DB_OPTION
def webhooks_attempts(endpoint_id: str, event_id: str | None, limit: int, db: str) -> None:
    """List the latest delivery attempts to ENDPOINT_ID."""
    import asyncio
    import datetime

    from rich.table import Table

    from tender.services import webhook_endpoints

    store = _open(Settings(db=db))
    ctx = _cli_context(store)
    params: dict[str, object] = {"limit": limit}
    if event_id:
        params["event"] = event_id
    try:
        page = asyncio.run(store.read(ctx.account, lambda tx: webhook_endpoints.delivery_attempts(
            tx, ctx, endpoint_id, params, ""
        )))
    except Exception as exc:
        raise _fail(exc) from exc
    finally:
        store.close()
    table = Table("time", "event", "type", "status", "latency", "response / error")
    for attempt in page["data"]:
        table.add_row(
            datetime.datetime.fromtimestamp(attempt["created"]).strftime("%Y-%m-%d %H:%M:%S"),
            attempt["event"], attempt["event_type"], str(attempt["response_status"] or "—"),
            f"{attempt['latency_ms']:.0f} ms",
            (attempt["error"] or attempt["response_body"] or "")[:60],
        )
    console.print(table)


# -- dashboard (issue 8) --------------------------------------------------------------------


def _login_link(store, account: str, base: str) -> str:  # type: ignore[no-untyped-def]
    from tender.web.dashboard import auth

    token = store.write_sync(account, auth.issue_login_token)
    return f"{base}/dashboard/login/{token}"


@main.group()
def dashboard() -> None:
    """Sign-in to the dashboard at /dashboard."""


@dashboard.command("set-password")
@click.option("--password", envvar="TENDER_DASHBOARD_PASSWORD", prompt=True, hide_input=True,
              confirmation_prompt=True, help="At least 8 characters; prompted for when not given.")
@DB_OPTION
def dashboard_set_password(password: str, db: str) -> None:
    """Set the dashboard password (stored as a salted scrypt hash); signs every session out."""
    from tender.services import accounts
    from tender.web.dashboard import auth

    store = _open(Settings(db=db))
    try:
        account = accounts.ensure_test_account(store, None, None).account
        store.write_sync(account, lambda tx: auth.set_password(tx, password))
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        store.close()
    console.print("dashboard password set")


@dashboard.command("login-link")
@click.option("--base-url", default=None, help="Default: http://TENDER_HOST:TENDER_PORT")
@DB_OPTION
def dashboard_login_link(base_url: str | None, db: str) -> None:
    """Print a one-time sign-in link (valid 15 minutes)."""
    from tender.services import accounts

    base = base_url or f"http://{os.environ.get('TENDER_HOST', '127.0.0.1')}:{os.environ.get('TENDER_PORT', '12111')}"
    store = _open(Settings(db=db))
    try:
        account = accounts.ensure_test_account(store, None, None).account
        click.echo(_login_link(store, account, base))
    finally:
        store.close()


if __name__ == "__main__":
    main()
