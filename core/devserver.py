"""Serve the whole demo from one process, on loopback only:

* citizen portal — http://127.0.0.1:5000/
* contact center — http://127.0.0.1:5001/
* Stripe stand-in (card checkout, signed webhooks to the portal) — :5002
* pagoPA node stand-in (verify → getPaymentV2 → sendRTV2 against the portal) — :5003
* SEND stand-in (digital notifications: preload, upload, requests, timeline, price) — :5004
* a mail catcher (SMTP on :8025) that stores every outgoing e-mail under ``instance/mail``

Ports of the stand-ins follow the apps' configuration (``STRIPE_API_BASE``,
``PAGOPA_NODE_URL``, ``SEND_BASE_URL``, ``MAIL_PORT``), so ``python -m core.devserver`` needs no arguments.
"""

from __future__ import annotations

import argparse
import threading
import time
from email import message_from_bytes, policy
from pathlib import Path
from urllib.parse import urlsplit

from werkzeug.serving import make_server


class MailCatcher:
    """aiosmtpd handler writing each message to ``<dir>/<timestamp>-<n>.eml``."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.count = 0
        directory.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        name = f"{time.strftime('%Y%m%d-%H%M%S')}-{self.count:04d}.eml"
        (self.directory / name).write_bytes(envelope.content)
        subject = message_from_bytes(envelope.content, policy=policy.default)["Subject"]
        print(f" * mail to {', '.join(envelope.rcpt_tos)}: {subject} ({name})", flush=True)
        return "250 Message accepted for delivery"


def _port(url: str, default: int) -> int:
    return urlsplit(url).port or default


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--portal-port", type=int, default=5000)
    parser.add_argument("--contact-center-port", type=int, default=5001)
    parser.add_argument("--no-standins", action="store_true", help="serve only the two apps")
    args = parser.parse_args()

    import wsgi
    from core.pagopa.service import node_registry
    from core.standins import pagopa_node, send_server, stripe_server

    cfg = wsgi.portal.config
    portal_url = cfg["PORTAL_BASE_URL"].rstrip("/")
    servers = [
        ("Citizen portal", make_server(args.host, args.portal_port, wsgi.portal, threaded=True)),
        ("Contact center", make_server(args.host, args.contact_center_port, wsgi.contact_center,
                                       threaded=True)),
    ]
    controller = None
    if not args.no_standins:
        stripe_app = stripe_server.create_app(cfg["STRIPE_SECRET_KEY"], cfg["STRIPE_WEBHOOK_SECRET"],
                                              portal_url + "/payments/stripe/webhook")
        node_app = pagopa_node.create_app(portal_url + "/pagopa/paForNode",
                                          registry=node_registry(wsgi.portal))
        servers += [
            ("Stripe stand-in", make_server(args.host, _port(cfg["STRIPE_API_BASE"], 5002), stripe_app,
                                            threaded=True)),
            ("pagoPA node stand-in", make_server(args.host, _port(cfg["PAGOPA_NODE_URL"], 5003),
                                                 node_app, threaded=True)),
            ("SEND stand-in", make_server(args.host, _port(cfg["SEND_BASE_URL"], 5004),
                                          send_server.create_app(cfg["SEND_API_KEY"]),
                                          threaded=True)),
        ]
        from aiosmtpd.controller import Controller

        mail_dir = Path(wsgi.portal.instance_path) / "mail"
        controller = Controller(MailCatcher(mail_dir), hostname=args.host, port=cfg["MAIL_PORT"])
        controller.start()
        print(f" * Mail catcher: smtp://{args.host}:{cfg['MAIL_PORT']} → {mail_dir}", flush=True)

    threads = []
    for label, server in servers:
        print(f" * {label}: http://{args.host}:{server.server_port}/", flush=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        threads.append(thread)
    print(" * Press Ctrl+C to stop", flush=True)
    try:
        for thread in threads:
            thread.join()
    except KeyboardInterrupt:
        for _label, server in servers:
            server.shutdown()
        if controller is not None:
            controller.stop()


if __name__ == "__main__":
    main()
