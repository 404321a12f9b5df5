"""Serve both apps for the demo: the portal on 127.0.0.1:5000 and the contact center on
127.0.0.1:5001, each in its own thread of one process (``python -m core.devserver``)."""

from __future__ import annotations

import argparse
import threading

from werkzeug.serving import make_server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--portal-port", type=int, default=5000)
    parser.add_argument("--contact-center-port", type=int, default=5001)
    args = parser.parse_args()

    import wsgi

    servers = [
        ("Citizen portal", make_server(args.host, args.portal_port, wsgi.portal, threaded=True)),
        ("Contact center", make_server(args.host, args.contact_center_port, wsgi.contact_center,
                                       threaded=True)),
    ]
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


if __name__ == "__main__":
    main()
