"""Command-line contract of the reconciliation::

    flask --app wsgi reconcile import FILE [--ente CODE] [--kind auto|flusso|fdr3|csv|camt053]
                                           [--decimal auto|it|intl]

Imports one pagoPA reporting flow (FlussoRiversamento XML, FdR 3 JSON) or bank statement
(CSV, camt.053), commits, and prints one JSON object on stdout::

    {"status": "imported", "import_id": 7, "kind": "flusso", "ente": "RHO", "file": "…",
     "sha256": "…", "flow_id": "…", "revision": 1, "regulation_id": "…",
     "regulation_date": "2026-01-16",
     "totals": {"declared_count": 3, "declared_amount": "100.80", "count": 3,
                "amount": "100.80"},
     "matched": 2, "new": 0, "duplicates": 0, "exceptions": 1, "ignored": 0,
     "settled": false, "exception_reasons": {"unknown_iuv": 1}}

``status`` is ``duplicate`` (exit code 0, nothing changed) for a file or flow already
imported. Bad input — malformed file, totals that differ from the header, a payment repeated
in a flow, an unknown Ente — prints one ``error: …`` line on stderr, exits with code 2 and
leaves the database unchanged (:class:`core.fines.cli.OneLineErrorGroup`). ``--ente`` is
needed for CSV statements; flows name their creditor, camt.053 statements their IBAN.
"""

from __future__ import annotations

import json

import click
from flask_babel import force_locale

from core import db
from core.fines.cli import OneLineErrorGroup
from core.models import ImportKind

from .amounts import DecimalFormat
from .errors import ReconciliationError
from .service import import_file

reconcile_cli = OneLineErrorGroup("reconcile", help="Reconciliation of reporting flows and "
                                                    "bank statements.")


@reconcile_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True))
@click.option("--ente", "ente_code", metavar="CODE", help="The Ente (its code).")
@click.option("--kind", type=click.Choice(["auto", *[k.value for k in ImportKind]]),
              default="auto", show_default=True, help="The file's format.")
@click.option("--decimal", type=click.Choice([f.value for f in DecimalFormat]),
              default="auto", show_default=True,
              help="CSV amounts: Italian (1.234,56), international (1,234.56) or auto.")
def import_command(file: str, ente_code: str | None, kind: str, decimal: str) -> None:
    """Import a reporting flow or bank statement and print a JSON summary."""
    with force_locale("en"):
        try:
            with open(file, "rb") as stream:
                summary = import_file(stream, filename=click.format_filename(file).rsplit("/", 1)[-1],
                                      ente_code=ente_code, kind=kind, decimal=decimal)
            db.session.commit()
        except ReconciliationError as error:
            db.session.rollback()
            raise click.UsageError(str(error)) from None
        except Exception:
            db.session.rollback()
            raise
    click.echo(json.dumps(summary.as_dict(), ensure_ascii=False, indent=2))
