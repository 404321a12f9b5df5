#!/usr/bin/env bash
# Installs everything the project needs into the working tree: a Python virtual environment in
# .venv with the project and its test tools, the front-end packages from npm (Bootstrap Italia,
# axe-core) copied into static/vendor, and the compiled translation catalogues.
# Idempotent and quick when nothing changed. Needs Python 3.11+ and Node 20+.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-$(command -v python3.11 || command -v python3)}
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv with $PYTHON"
  "$PYTHON" -m venv .venv
fi
stamp=".venv/.installed-$(cat pyproject.toml | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "==> installing Python packages"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
  rm -f .venv/.installed-*
  touch "$stamp"
fi

npm_stamp="node_modules/.installed-$(cat package.json package-lock.json | sha256sum | cut -c1-16)"
if [ ! -f "$npm_stamp" ]; then
  echo "==> installing front-end packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  touch "$npm_stamp"
fi
if [ ! -f static/vendor/.from-"$(basename "$npm_stamp")" ]; then
  rm -rf static/vendor
  mkdir -p static/vendor
  cp -r node_modules/bootstrap-italia/dist static/vendor/bootstrap-italia
  find static/vendor -name '*.map' -delete
  touch static/vendor/.from-"$(basename "$npm_stamp")"
fi

.venv/bin/python -m core.i18n_tools compile
