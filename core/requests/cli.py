"""``flask --app wsgi requests purge``: delete the public requests whose confirmation link has
expired (and the files of those never confirmed) and the drafts untouched for 30 days. Run it
daily."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

requests_cli = click.Group("requests", help="Public requests and form drafts.")


@requests_cli.command("purge")
@with_appcontext
def purge_command() -> None:
    from core import db, drafts, jobs
    from core.requests import public

    pending = public.purge()
    old_drafts = drafts.purge_expired()
    db.session.commit()
    jobs.run_ready()
    click.echo(f"deleted {pending} expired pending requests and {old_drafts} old drafts")
