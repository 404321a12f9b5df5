"""``flask reports monthly --ente CODE --month YYYY-MM --format csv|payments-csv|xlsx|pdf``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import force_locale
from sqlalchemy import select

from core import db
from core.models import Ente

from . import service

FORMATS = {"csv": "summary.csv", "payments-csv": "payments.csv", "xlsx": "report.xlsx",
           "pdf": "report.pdf"}


@click.group("reports", help="Reports to each Ente.")
def reports_cli() -> None:
    pass


@reports_cli.command("monthly")
@click.option("--ente", "ente_code", required=True, help="Ente code, e.g. RHO.")
@click.option("--month", required=True, help="Month to report, YYYY-MM.")
@click.option("--format", "fmt", type=click.Choice(sorted(FORMATS)), default="csv")
@click.option("--lang", default="it", show_default=True, help="Language of the labels.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="File to write "
              "(default: standard output).")
@with_appcontext
def monthly_command(ente_code: str, month: str, fmt: str, lang: str, out: Path | None) -> None:
    """Write the monthly report of one Ente."""
    ente = db.session.scalar(select(Ente).where(Ente.code == ente_code))
    if ente is None:
        raise click.ClickException(f"unknown Ente {ente_code!r}")
    try:
        report = service.for_ente(ente, month)
    except ValueError as exc:
        raise click.BadParameter(f"{month!r} is not a month (YYYY-MM)", param_hint="--month") from exc
    with force_locale(lang):
        body, _, _ = service.build_file(report, FORMATS[fmt])
    data = body.encode("utf-8") if isinstance(body, str) else body
    if out is None:
        sys.stdout.buffer.write(data)
    else:
        out.write_bytes(data)
        click.echo(f"{out} ({len(data)} bytes)", err=True)
