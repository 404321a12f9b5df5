"""Command line of the e-mail/PEC intake: ``flask --app wsgi mail ...``.

The group :data:`mail_cli` is registered on the Flask app by the factory::

    mail serve-inbound [--host 127.0.0.1] [--port 2525]
    mail ingest FILE.eml [--rcpt ADDRESS ...]

``serve-inbound`` runs the SMTP receiver (:class:`core.contact.intake.IntakeHandler`) until
interrupted. ``ingest`` takes one message from a file (``-`` for stdin), commits it and prints
one JSON object (:meth:`core.contact.intake.IngestResult.as_json`); ``--rcpt`` gives the
envelope recipients when the headers do not name the Ente. A rejected message gives exit code 2
and one ``error: ...`` line on stderr, nothing stored.
"""

from __future__ import annotations

import json
import signal
import threading

import click
from flask import current_app

from core.fines.cli import OneLineErrorGroup

__all__ = ["mail_cli"]

mail_cli = OneLineErrorGroup("mail", help="Inbound e-mail and PEC intake.")


@mail_cli.command("serve-inbound")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=2525, show_default=True, type=click.IntRange(1, 65535),
              help="TCP port to listen on.")
def serve_inbound_command(host: str, port: int):
    """Receive mail over SMTP and turn each message into a case (Ctrl+C or SIGTERM stops)."""
    from core.contact.intake import start_receiver

    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_args: stop.set())
    controller = start_receiver(current_app._get_current_object(), host, port)
    click.echo(f" * Inbound SMTP intake on {host}:{port} (Ctrl+C to stop)")
    try:
        while not stop.wait(1):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()
        controller.handler.close()
        click.echo(" * Inbound SMTP intake stopped")


@mail_cli.command("ingest")
@click.argument("source", type=click.File("rb"))
@click.option("--rcpt", "recipients", multiple=True, metavar="ADDRESS",
              help="Envelope recipient (repeatable).")
def ingest_command(source, recipients):
    """Take in one message from an .eml file."""
    from core.contact.intake import process

    results = process(source.read(), list(recipients))
    rejected = [r for r in results if not r.accepted]
    if rejected and len(rejected) == len(results):
        raise click.UsageError(f"message rejected: {rejected[0].reason}")
    for result in results:
        click.echo(json.dumps(result.as_json(), ensure_ascii=False))
