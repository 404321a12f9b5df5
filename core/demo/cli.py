"""``flask --app wsgi demo …``: load the demo (and benchmark volumes), list its sign-ins.

The commands only parse options, call the services in :mod:`core.demo` and print; the
database work lives in :mod:`core.demo.generate`, :mod:`core.demo.bulk` and
:mod:`core.demo.reset`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from core import db
from core.demo.data import DEMO_CITIZEN_PASSWORD, DEMO_SIGN_INS, current_totp
from core.demo.states import STATES
from core.migrate import upgrade

demo_cli = AppGroup("demo", help="Demo data: load it, reset it, add benchmark volumes.")


def _engine():
    url = current_app.config["DATABASE_URL"]
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    return db.make_engine(url)


def _print_states(counts: dict[str, int]) -> None:
    for state in STATES:
        click.echo(f"  {state:<16} {counts.get(state, 0):>9,}")


@demo_cli.command("load")
@click.option("--reset", is_flag=True, help="Wipe the demo data and files, then load again.")
@click.option("--verbali", type=click.IntRange(min=0), default=0, show_default=True,
              help="Also generate this many additional verbali (benchmark volumes).")
@click.option("--batch-size", type=click.IntRange(min=100), default=5000, show_default=True,
              help="Verbali per transaction for --verbali.")
def load_command(reset: bool, verbali: int, batch_size: int) -> None:
    """Create or migrate the schema, then load the demo (idempotent)."""
    from core.demo.bulk import BulkError, generate_bulk
    from core.demo.generate import load_demo

    engine = _engine()
    upgrade(engine)
    storage = current_app.config["STORAGE_DIR"]
    try:
        result = load_demo(db.session, storage, reset=reset,
                           portal_url=current_app.config.get("PORTAL_BASE_URL",
                                                             "http://127.0.0.1:5000"))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    if result.already_loaded:
        click.echo("Demo already loaded (Ente RHO exists): nothing changed. "
                   "Use --reset to reload it.")
    else:
        click.echo(f"Demo loaded in {result.elapsed:.1f} s: {result.verbali} verbali, "
                   f"{result.persons} people, {result.files} files under {storage}")
        _print_states(result.states)
        click.echo(f"Sign-ins: `flask --app wsgi demo sign-ins` (other citizens: their "
                   f"username and password {DEMO_CITIZEN_PASSWORD}).")
    if verbali:
        with click.progressbar(length=verbali, label="Generating verbali", file=sys.stderr,
                               show_pos=True, show_eta=True) as bar:
            try:
                bulk = generate_bulk(engine, verbali, batch_size=batch_size, progress=bar.update)
            except BulkError as error:
                raise click.ClickException(str(error)) from error
        rate = bulk.verbali / bulk.elapsed if bulk.elapsed else 0
        click.echo(f"Added {bulk.verbali:,} verbali in {bulk.elapsed:.1f} s "
                   f"({rate:,.0f}/s, {bulk.method}); rows: "
                   + ", ".join(f"{name} {n:,}" for name, n in bulk.rows.items()))
        _print_states(dict(bulk.states))


@demo_cli.command("sign-ins")
def sign_ins_command() -> None:
    """List the demo's sign-ins (the README's table)."""
    for s in DEMO_SIGN_INS:
        totp = f" TOTP secret {s.totp_secret};" if s.totp_secret else ""
        click.echo(f"{s.app:<15} {s.username:<34} {s.password:<24} {s.language} "
                   f"{s.persona}:{totp} {s.shows}")


@demo_cli.command("totp")
@click.argument("email")
def totp_command(email: str) -> None:
    """Print the current sign-in code of a demo staff account (its second factor)."""
    secret = next((s.totp_secret for s in DEMO_SIGN_INS if s.username == email.strip().lower()
                   and s.totp_secret), None)
    if secret is None:
        raise click.ClickException(f"{email} is not a demo staff account")
    click.echo(current_totp(secret))
