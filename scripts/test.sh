#!/usr/bin/env bash
# One command for the whole test suite: installs what is missing (Python packages, npm assets,
# Debian's Chromium for the browser tests) and runs pytest. Uses SQLite unless
# TEST_DATABASE_URL (PostgreSQL) and REDIS_URL are set; extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh
if [ ! -x /usr/bin/chromium ]; then
  echo "==> installing Debian's Chromium for the browser tests"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
exec .venv/bin/pytest "$@"
