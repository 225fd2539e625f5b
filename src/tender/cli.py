"""`tender serve | keys | migrate`: the front door."""

from __future__ import annotations

import logging
import os

import click
from rich.console import Console

from tender.config import Settings

console = Console()


def _open(settings: Settings):  # type: ignore[no-untyped-def]
    from tender.store.sqlite import SQLiteStore

    return SQLiteStore(settings.sqlite_path, durability=settings.durability)


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
def serve(db: str, host: str, port: int, secret_key: str | None, publishable_key: str | None, durability: str) -> None:
    """Run the API server."""
    import uvicorn

    from tender.app import TenderApp
    from tender.processor.simulator import Simulator
    from tender.services import accounts

    settings = Settings(db=db, host=host, port=port, secret_key=secret_key,
                        publishable_key=publishable_key, durability=durability)
    store = _open(settings)
    keys = accounts.ensure_test_account(store, settings.secret_key, settings.publishable_key)
    secret = accounts.fingerprint_key(store, keys.account)
    processor = Simulator(secret)
    app = TenderApp(
        store,
        processor,
        capture_window=int(os.environ.get("TENDER_CAPTURE_WINDOW", 7 * 86400)),
        sweep_interval=float(os.environ.get("TENDER_SWEEP_INTERVAL", 60)),
        digest_key=secret,
    )
    base = f"http://{host}:{port}"
    console.print(f"[bold]tender[/bold] listening on {base}  (database {db}, durability {durability})")
    _print_keys(store, keys)
    console.print(f"  API base:         {base}   (stripe.api_base = \"{base}\")")
    console.print("  3-D Secure pages: served by this server under /3d_secure/")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    uvicorn.run(app, host=host, port=port, access_log=False, log_level="warning", lifespan="on")


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
    console.print("migrations applied")


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
def keys_roll(db: str) -> None:
    """Replace the secret and publishable keys; the old ones stop working."""
    from tender.services import accounts

    store = _open(Settings(db=db))
    account = store.first_account() or accounts.DEFAULT_ACCOUNT
    store.delete_api_keys(account)
    _print_keys(store, accounts.ensure_test_account(store, None, None))
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


if __name__ == "__main__":
    main()
