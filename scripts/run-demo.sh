#!/usr/bin/env bash
# One command for a fresh machine: install, create and migrate the SQLite database, load the
# demo data and serve both apps on 127.0.0.1 (portal :5000, contact center :5001) with the
# stand-ins (Stripe :5002, pagoPA node :5003, SEND :5004, mail catcher :8025).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh
.venv/bin/flask --app wsgi demo load
exec .venv/bin/python -m core.devserver "$@"
